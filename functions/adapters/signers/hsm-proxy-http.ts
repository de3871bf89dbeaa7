import { SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';

/**
 * The proxy did not answer in time. Retryable later, but not at once in-process: the device may
 * still be working on the request, and another one would only queue behind it.
 */
export class SignerTimeoutError extends SignerUnavailableError {}

export interface ProxyResponse {
  readonly status: number;
  readonly text: string;
  /** the body as JSON; undefined when it is not JSON */
  readonly json: unknown;
}

/**
 * One HTTP exchange with the proxy; transport failures and timeouts become retryable errors. A
 * redirect is never followed: it would carry the token and the sign source (bank accounts) to an
 * address nobody configured.
 */
export async function callProxy(
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<ProxyResponse> {
  const started = Date.now();
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw new SignerRejectedError(
        `the signing proxy at ${url} answered with a redirect (HTTP ${res.status} to ${res.headers.get('location') ?? 'nowhere'}), ` +
          'which is never followed: set HSM_PROXY_URL to the address the proxy really serves',
      );
    }
    const text = await res.text();
    return { status: res.status, text, json: parseJson(text) };
  } catch (e) {
    if (e instanceof SignerRejectedError) throw e;
    if (e instanceof Error && e.name === 'TimeoutError') {
      throw new SignerTimeoutError(
        `the signing proxy at ${url} did not answer within ${timeoutMs} ms (waited ${Date.now() - started} ms)`,
        { cause: e },
      );
    }
    const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    throw new SignerUnavailableError(`the signing proxy at ${url} could not be reached: ${cause}`, {
      cause: e,
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A short, single-line excerpt of a body for an error message, with the token cut out. */
export function excerpt(text: string, token: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const safe = token ? flat.split(token).join('<token>') : flat;
  return safe.length > 200 ? `${safe.slice(0, 200)}...` : safe;
}

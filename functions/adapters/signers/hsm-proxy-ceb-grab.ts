import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import {
  type CebGrabError,
  SignerRejectedError,
  SignerSuspectPinError,
  SignerUnavailableError,
} from '#core/errors.ts';
import type { SignResult } from '#core/ports.ts';
import { callProxy, excerpt, type ProxyResponse } from './hsm-proxy-http.ts';
import {
  describeIssues,
  ErrorReplySchema,
  KEYS_PATH,
  type KeyDescription,
  KeyDescriptionSchema,
  SIGN_PATH,
  SignReplySchema,
  type SignRequest,
} from './hsm-proxy-protocol.ts';

/** One attempt's view of the proxy: where it is, the token to present, how long to wait. */
export interface ProxyCall {
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
}

/** Our protocol: POST /v1/sign with a bearer token and the bytes in base64. */
export async function signWithCebGrab(
  call: ProxyCall,
  data: string,
  key: { keyId: string; algorithm: SignRequest['algorithm'] },
): Promise<SignResult> {
  const request: SignRequest = {
    requestId: randomUUID(),
    keyId: key.keyId,
    algorithm: key.algorithm,
    data: Buffer.from(data, 'utf8').toString('base64'),
  };
  const url = `${call.url}${SIGN_PATH}`;
  const res = await callProxy(
    url,
    { method: 'POST', headers: headersFor(call, true), body: JSON.stringify(request) },
    call.timeoutMs,
  );
  if (res.status !== 200) throw failureOf(res, url, call.token);
  const reply = v.safeParse(SignReplySchema, res.json);
  if (!reply.success) throw notOurProtocol(url, describeIssues(reply.issues));
  if (reply.output.requestId !== request.requestId) {
    throw new SignerRejectedError(
      `the signing proxy at ${url} answered request ${reply.output.requestId} to our request ${request.requestId}: ` +
        'a reply for another request must never be used',
    );
  }
  const { signValue, certNo, algorithm } = reply.output;
  return { signValue, certNo, algorithm };
}

/** GET /v1/keys/{keyId}: the certificate the proxy signs with. */
export async function describeWithCebGrab(call: ProxyCall, keyId: string): Promise<KeyDescription> {
  const url = `${call.url}${KEYS_PATH}${encodeURIComponent(keyId)}`;
  const res = await callProxy(url, { method: 'GET', headers: headersFor(call, false) }, call.timeoutMs);
  if (res.status !== 200) throw failureOf(res, url, call.token);
  const reply = v.safeParse(KeyDescriptionSchema, res.json);
  if (!reply.success) throw notOurProtocol(url, describeIssues(reply.issues));
  return reply.output;
}

const headersFor = (call: ProxyCall, withBody: boolean): Record<string, string> => ({
  authorization: `Bearer ${call.token}`,
  accept: 'application/json',
  ...(withBody ? { 'content-type': 'application/json; charset=utf-8' } : {}),
});

/** `ceb-grab signer` says the card may have refused its PIN: the session waits, the PIN guard holds the key. */
const PIN_CODES: ReadonlySet<string> = new Set(['SUSPECT_PIN', 'BAD_PIN']);

/** Map a refusal by the error it carries; a body without one (a gateway's page) by its status. */
function failureOf(res: ProxyResponse, url: string, token: string): CebGrabError {
  const parsed = v.safeParse(ErrorReplySchema, res.json);
  const detail = parsed.success
    ? `${parsed.output.error.code}: ${excerpt(parsed.output.error.message, token)}`
    : `HTTP ${res.status} ${excerpt(res.text, token)}`;
  if (res.status === 401 || res.status === 403) {
    return new SignerRejectedError(
      `the signing proxy at ${url} refused our token (${detail}): check the token configured for it`,
    );
  }
  if (parsed.success && PIN_CODES.has(parsed.output.error.code)) {
    return new SignerSuspectPinError(`the signing proxy at ${url} did not sign (${detail})`);
  }
  const retryable = parsed.success
    ? parsed.output.error.retryable
    : res.status >= 500 || res.status === 429 || res.status === 408;
  const message = `the signing proxy at ${url} refused to sign (${detail})`;
  return retryable ? new SignerUnavailableError(message) : new SignerRejectedError(message);
}

const notOurProtocol = (url: string, why: string) =>
  new SignerRejectedError(
    `the signing proxy at ${url} answered 200 with a reply that is not the ceb-grab protocol (${why}): ` +
      'is HSM_PROXY_PROTOCOL right for this proxy?',
  );

import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './sha256.ts';
import { EXECUTE_API, type IamCredential } from './sigv4-check.ts';

export interface SigV4Signing {
  readonly region: string;
  /** the identity, or the SDK's credential chain (`fromNodeProviderChain()`) */
  readonly credentials: IamCredential | (() => Promise<IamCredential>);
}

export interface SignedInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/** fetch an IAM-authorized API Gateway route, the request signed with SigV4 for execute-api. */
export async function signedFetch(url: string, init: SignedInit, signing: SigV4Signing): Promise<Response> {
  const request = await signRequest(url, init, signing);
  return fetch(url, {
    method: request.method,
    headers: request.headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

/** The method and headers (Authorization, X-Amz-Date, x-amz-content-sha256 added) to send. */
export async function signRequest(
  url: string,
  init: SignedInit,
  signing: SigV4Signing,
): Promise<{ method: string; headers: Record<string, string> }> {
  const target = new URL(url);
  const query: Record<string, string[]> = {};
  for (const [k, v] of target.searchParams) query[k] = [...(query[k] ?? []), v];
  const method = init.method ?? 'GET';
  const signer = new SignatureV4({
    service: EXECUTE_API,
    region: signing.region,
    credentials: signing.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method,
    protocol: target.protocol,
    hostname: target.hostname,
    path: target.pathname,
    query,
    headers: { ...init.headers, host: target.host },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  // fetch sets Host itself, from the same URL.
  const { host: _host, ...headers } = signed.headers;
  return { method, headers };
}

import pLimit, { type LimitFunction } from 'p-limit';
import * as v from 'valibot';
import {
  type CebGrabError,
  SignerRejectedError,
  SignerSuspectPinError,
  SignerUnavailableError,
} from '#core/errors.ts';
import type { SignResult } from '#core/ports.ts';
import type { ProxyCall } from './hsm-proxy-ceb-grab.ts';
import { callProxy, excerpt, type ProxyResponse } from './hsm-proxy-http.ts';
import {
  CHINAPORT_CODES,
  CHINAPORT_SIGN_PATH,
  CHINAPORT_TOKEN_HEADER,
  type ChinaportReply,
  ChinaportReplySchema,
  ChinaportSignResultSchema,
  describeIssues,
} from './hsm-proxy-protocol.ts';

/**
 * One request in flight per proxy URL, for every signer of this container: the proxy keeps the
 * payload and the result of a signature in one shared websocket wrapper, so two requests at once
 * can get each other's signature (docs/protocol.md §6). Module-level on purpose: two signers
 * built for one URL must still queue behind each other.
 */
const inFlightPerUrl = new Map<string, LimitFunction>();
export const chinaportQueue = (url: string): LimitFunction => {
  let limit = inFlightPerUrl.get(url);
  if (!limit) {
    limit = pLimit(1);
    inFlightPerUrl.set(url, limit);
  }
  return limit;
};

/**
 * The chinaport-data-signature proxy: POST /rpc/eport/signature `{"id":1,"data":"<sign source>"}`
 * with the token in `x-auth-token-eport-sign`. It holds one card, so there is no key id, and its
 * reply names no algorithm: a 64-byte signValue is SM2 r||s, anything else is taken for RSA.
 * Its certificate download is the card's encryption certificate, so it is never used: the signing
 * certificate comes from the registry (or HSM_PROXY_CERT locally).
 */
export async function signWithChinaport(call: ProxyCall, data: string): Promise<SignResult> {
  const url = `${call.url}${CHINAPORT_SIGN_PATH}`;
  const res = await callProxy(
    url,
    {
      method: 'POST',
      headers: {
        [CHINAPORT_TOKEN_HEADER]: call.token,
        accept: 'application/json',
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({ id: 1, data }),
    },
    call.timeoutMs,
  );
  const reply = readReply(res, url, call.token);
  const result = v.safeParse(ChinaportSignResultSchema, reply.data);
  if (!result.success) throw notTheirProtocol(url, describeIssues(result.issues));
  const { certNo, signatureValue } = result.output;
  const bytes = Buffer.from(signatureValue, 'base64').length;
  return { signValue: signatureValue, certNo, algorithm: bytes === 64 ? 'SM3withSM2' : 'SHA1withRSA' };
}

/** The envelope's `code` says what happened; the real proxy answers HTTP 200 to everything. */
function readReply(res: ProxyResponse, url: string, token: string): ChinaportReply {
  if (res.status === 401 || res.status === 403) {
    throw refusal(CHINAPORT_CODES.unauthorized, `HTTP ${res.status} ${excerpt(res.text, token)}`, url);
  }
  const parsed = v.safeParse(ChinaportReplySchema, res.json);
  if (!parsed.success) {
    // No envelope: a gateway or load balancer answered, so its HTTP status is all there is.
    const detail = `HTTP ${res.status} ${excerpt(res.text, token)}`;
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      return unavailable(url, detail);
    }
    throw notTheirProtocol(url, `${describeIssues(parsed.issues)}; ${detail}`);
  }
  const reply = parsed.output;
  const code = reply.code ?? (reply.success ? CHINAPORT_CODES.ok : res.status);
  if (code === CHINAPORT_CODES.ok && reply.success) return reply;
  throw refusal(
    code,
    `code ${code}: ${excerpt(reply.message ?? '(no message)', token)}${dataOf(reply, token)}`,
    url,
  );
}

const unavailable = (url: string, detail: string): never => {
  throw new SignerUnavailableError(`the signing proxy at ${url} did not sign (${detail})`);
};

/**
 * 401: our token is wrong (permanent). 500 "加签失败": the card did not sign, which is what a
 * wrong PIN looks like too, since card errors never reach the client: the PIN guard stops presenting
 * the card. 10000/10001: the proxy refused the request itself (permanent, with its message).
 * Other codes come from proxies of our own shape (`ceb-grab signer`), retryable when 5xx.
 */
function refusal(code: number, detail: string, url: string): CebGrabError {
  if (code === CHINAPORT_CODES.unauthorized || code === 403) {
    return new SignerRejectedError(
      `the signing proxy at ${url} refused our token (${detail}): check the token configured for it`,
    );
  }
  if (code === CHINAPORT_CODES.signFailed) {
    return new SignerSuspectPinError(
      `the signing proxy at ${url} says the card did not sign (${detail}); a wrong PIN looks the same, ` +
        'so the card is not presented again until an operator clears it (ceb-grab replay) or the cool-down ends',
    );
  }
  const message = `the signing proxy at ${url} refused the request (${detail})`;
  if (code >= 500 && code < 600) return new SignerUnavailableError(message);
  return new SignerRejectedError(message);
}

function dataOf(reply: ChinaportReply, token: string): string {
  const { data } = reply;
  if (data === null || data === undefined) return '';
  return `; ${excerpt(typeof data === 'string' ? data : JSON.stringify(data), token)}`;
}

const notTheirProtocol = (url: string, why: string) =>
  new SignerRejectedError(
    `the signing proxy at ${url} answered with a reply that is not the chinaport-data-signature protocol (${why}): ` +
      'is HSM_PROXY_PROTOCOL right for this proxy?',
  );

import * as v from 'valibot';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { type CebGrabError, SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';
import type { SignResult } from '#core/ports.ts';
import type { ProxyCall } from './hsm-proxy-ceb-grab.ts';
import { callProxy, excerpt, type ProxyResponse } from './hsm-proxy-http.ts';
import {
  CHINAPORT_CERT_PATH,
  CHINAPORT_SIGN_PATH,
  CHINAPORT_TOKEN_HEADER,
  type ChinaportReply,
  ChinaportReplySchema,
  ChinaportSignResultSchema,
  describeIssues,
  type KeyDescription,
} from './hsm-proxy-protocol.ts';

/**
 * The chinaport-data-signature proxy: POST /rpc/eport/signature `{"id":1,"data":"<sign source>"}`
 * with the token in `x-auth-token-eport-sign`. It holds one card, so there is no key id, and its
 * reply names no algorithm: a 64-byte signValue is SM2 r||s, anything else is taken for RSA.
 */
export async function signWithChinaport(call: ProxyCall, data: string): Promise<SignResult> {
  const url = `${call.url}${CHINAPORT_SIGN_PATH}`;
  const res = await callProxy(
    url,
    {
      method: 'POST',
      headers: { ...headersFor(call), 'content-type': 'application/json; charset=utf-8' },
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

/** GET /rpc/eport/cert/download: the card's certificate as PEM text. */
export async function describeWithChinaport(call: ProxyCall): Promise<KeyDescription> {
  const url = `${call.url}${CHINAPORT_CERT_PATH}`;
  const res = await callProxy(url, { method: 'GET', headers: headersFor(call) }, call.timeoutMs);
  if (res.status !== 200) throw failureOf(res.status, undefined, url, excerpt(res.text, call.token));
  if (!res.text.includes('BEGIN CERTIFICATE')) {
    // A JSON Result here is a refusal (e.g. 401 with HTTP 200), not a certificate.
    const reply = v.safeParse(ChinaportReplySchema, res.json);
    if (reply.success) throw refusal(reply.output, res.status, url, call.token);
    throw notTheirProtocol(url, 'the certificate download is not a PEM certificate');
  }
  const cert = parseCertificate(res.text);
  return {
    certNo: cert.certNo,
    algorithm: cert.algorithm,
    certificate: cert.pem,
    notAfter: cert.notAfter.toISOString(),
  };
}

const headersFor = (call: ProxyCall): Record<string, string> => ({
  [CHINAPORT_TOKEN_HEADER]: call.token,
  accept: 'application/json',
});

function readReply(res: ProxyResponse, url: string, token: string): ChinaportReply {
  const parsed = v.safeParse(ChinaportReplySchema, res.json);
  if (!parsed.success) {
    throw failureOf(res.status, undefined, url, `HTTP ${res.status} ${excerpt(res.text, token)}`, () =>
      notTheirProtocol(url, describeIssues(parsed.issues)),
    );
  }
  const reply = parsed.output;
  if (res.status !== 200 || !reply.success || (reply.code !== undefined && reply.code !== 200)) {
    throw refusal(reply, res.status, url, token);
  }
  return reply;
}

function refusal(reply: ChinaportReply, status: number, url: string, token: string): CebGrabError {
  const detail = `code ${reply.code ?? status}: ${excerpt(reply.message ?? '(no message)', token)}`;
  return failureOf(status, reply, url, detail);
}

/**
 * That proxy answers most failures with HTTP 200 and a `code` in the body: 401 for a bad token,
 * 500 and "加签失败" when the card did not sign. It does not tell a wrong PIN from a card that
 * is busy or gone, so a failure is retryable unless it names the password (a guess: their
 * messages are free text) or is a 4xx.
 */
function failureOf(
  status: number,
  reply: ChinaportReply | undefined,
  url: string,
  detail: string,
  otherwise?: () => CebGrabError,
): CebGrabError {
  const code = reply?.code ?? status;
  if ([status, code].some((c) => c === 401 || c === 403)) {
    return new SignerRejectedError(
      `the signing proxy at ${url} refused our token (${detail}): check the token configured for it`,
    );
  }
  const message = `the signing proxy at ${url} did not sign (${detail})`;
  if (/密码|口令|\bPIN\b|password/i.test(reply?.message ?? '')) return new SignerRejectedError(message);
  if (status >= 500 || status === 429 || status === 408) return new SignerUnavailableError(message);
  if (otherwise) return otherwise();
  if (code >= 400 && code < 500 && code !== 429 && code !== 408) return new SignerRejectedError(message);
  return new SignerUnavailableError(message);
}

const notTheirProtocol = (url: string, why: string) =>
  new SignerRejectedError(
    `the signing proxy at ${url} answered with a reply that is not the chinaport-data-signature protocol (${why}): ` +
      'is HSM_PROXY_PROTOCOL right for this proxy?',
  );

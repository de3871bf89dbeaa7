import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import * as v from 'valibot';
import {
  CHINAPORT_CODES,
  ChinaportSignRequestSchema,
  describeIssues,
  type ErrorReply,
  type KeyDescription,
  type SignReply,
  SignRequestSchema,
} from '#adapters/signers/hsm-proxy-protocol.ts';
import { checkValidity } from '#core/crypto/certificate-validity.ts';
import { asProxyError, SignerProxyError } from './backend.ts';
import { BodyTooLargeError, readBody, sendJson } from './http-io.ts';
import { type ProxyContext, type Signed, signQueued, validCertificate } from './signing.ts';

/** A sign source is at most a few hundred KB (99 orders of C..3000 links); base64 adds a third. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** POST /v1/sign: our protocol. */
export async function handleSign(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ProxyContext,
): Promise<void> {
  await signRoute(req, res, ctx, sendError, async (body) => {
    const request = parse(SignRequestSchema, body);
    if (request.keyId !== ctx.backend.keyId) {
      throw new SignerProxyError(
        'UNKNOWN_KEY',
        `this signer holds key ${ctx.backend.keyId}, not ${request.keyId}`,
      );
    }
    const cert = await validCertificate(ctx);
    if (request.algorithm !== cert.algorithm) {
      throw new SignerProxyError(
        'WRONG_ALGORITHM',
        `key ${ctx.backend.keyId} (certificate ${cert.certNo}) signs ${cert.algorithm}, not ${request.algorithm}`,
      );
    }
    const signed = await signQueued(ctx, utf8Text(request.data));
    const reply: SignReply = {
      requestId: request.requestId,
      signValue: signed.signValue,
      certNo: signed.certNo,
      algorithm: signed.certificate.algorithm,
    };
    return { reply, signed, requestId: request.requestId };
  });
}

/** POST /rpc/eport/signature: chinaport-data-signature's protocol, signing with the only key. */
export async function handleChinaportSign(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ProxyContext,
): Promise<void> {
  await signRoute(req, res, ctx, sendChinaportError, async (body) => {
    const request = parse(ChinaportSignRequestSchema, body);
    const signed = await signQueued(ctx, request.data);
    const reply = {
      code: 200,
      success: true,
      message: 'Success',
      timestamp: String(ctx.now()),
      data: { success: true, certNo: signed.certNo, signatureValue: signed.signValue },
    };
    return { reply, signed, requestId: String(request.id ?? 1) };
  });
}

/** GET /v1/keys/{keyId}: the key's certificate, so a platform can register it. */
export async function handleDescribeKey(
  res: ServerResponse,
  ctx: ProxyContext,
  keyId: string,
): Promise<void> {
  if (keyId !== ctx.backend.keyId) {
    throw new SignerProxyError('UNKNOWN_KEY', `this signer holds key ${ctx.backend.keyId}, not ${keyId}`);
  }
  const cert = await ctx.backend.certificate();
  const reply: KeyDescription = {
    certNo: cert.certNo,
    algorithm: cert.algorithm,
    certificate: cert.pem,
    notAfter: cert.notAfter.toISOString(),
  };
  sendJson(res, 200, reply);
}

/** GET /rpc/eport/cert/download: the certificate file, as chinaport-data-signature serves it. */
export async function handleChinaportCertificate(res: ServerResponse, ctx: ProxyContext): Promise<void> {
  const cert = await ctx.backend.certificate();
  res.writeHead(200, {
    'content-type': 'application/x-x509-ca-cert',
    'content-disposition': `attachment; filename="${cert.certNo}.cer"`,
  });
  res.end(cert.pem);
}

/**
 * GET /health: backend reachable, key loaded, certificate valid. The key's details, counts and
 * timings only to a caller with the token; others learn up or not, and why not.
 */
export async function handleHealth(
  res: ServerResponse,
  ctx: ProxyContext,
  withToken: boolean,
): Promise<void> {
  const { backend } = ctx;
  const health = await backend.health();
  let key: Record<string, unknown> = {};
  let problem = health.problem;
  if (health.reachable) {
    try {
      const cert = await backend.certificate();
      key = { certNo: cert.certNo, algorithm: cert.algorithm, notAfter: cert.notAfter.toISOString() };
      key.expiresInDays = checkValidity(cert, ctx.now()).expiresInDays;
    } catch (e) {
      problem = (e as Error).message;
    }
  }
  const ok = health.reachable && problem === undefined;
  const status = { status: ok ? 'ok' : 'unavailable', ...(problem === undefined ? {} : { problem }) };
  sendJson(
    res,
    ok ? 200 : 503,
    withToken
      ? {
          ...status,
          backend: backend.kind,
          keyId: backend.keyId,
          ...key,
          stats: ctx.stats.snapshot(ctx.queue.pendingCount),
        }
      : status,
  );
}

type SendError = (res: ServerResponse, e: SignerProxyError, now: number) => void;

interface SignOutcome {
  readonly reply: unknown;
  readonly signed: Pick<Signed, 'certNo' | 'queueMs' | 'deviceMs'>;
  readonly requestId: string;
}

/** The shared life of a sign request: count it, read it, sign, answer, time it, log it. */
async function signRoute(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ProxyContext,
  sendFailure: SendError,
  sign: (body: unknown) => Promise<SignOutcome>,
): Promise<void> {
  const receivedAt = performance.now();
  const done = ctx.stats.begin();
  try {
    const { reply, signed, requestId } = await sign(await readJson(req));
    sendJson(res, 200, reply);
    const totalMs = performance.now() - receivedAt;
    ctx.stats.signed({ queueMs: signed.queueMs, deviceMs: signed.deviceMs, totalMs });
    ctx.log.debug('signed', { requestId, certNo: signed.certNo, totalMs, deviceMs: signed.deviceMs });
  } catch (e) {
    const error = asProxyError(e);
    ctx.stats.failed(error.code);
    ctx.log.warn('did not sign', { code: error.code, reason: error.message });
    sendFailure(res, error, ctx.now());
  } finally {
    done();
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text: string;
  try {
    text = await readBody(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw new SignerProxyError('BAD_REQUEST', e.message);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SignerProxyError('BAD_REQUEST', 'the body is not JSON');
  }
}

/** The bytes as text, refused when they are not UTF-8: a lossy decoding would sign other bytes. */
function utf8Text(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    throw new SignerProxyError('BAD_REQUEST', 'data is not UTF-8 text: a sign source is UTF-8');
  }
  return text;
}

function parse<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, body);
  if (!result.success) throw new SignerProxyError('BAD_REQUEST', describeIssues(result.issues));
  return result.output;
}

/** Our error shape. */
export const sendError: SendError = (res, e) => {
  const body: ErrorReply = { error: { code: e.code, message: e.message, retryable: e.retryable } };
  sendJson(res, e.status, body);
};

/**
 * chinaport-data-signature's failure shape. A card that did not sign is its code 500 "加签失败",
 * which its clients read as a possibly wrong PIN; otherwise `code` is the HTTP status.
 */
export const sendChinaportError: SendError = (res, e, now) => {
  const pin = e.code === 'SUSPECT_PIN' || e.code === 'BAD_PIN';
  sendJson(res, e.status, {
    code: pin ? CHINAPORT_CODES.signFailed : e.status,
    success: false,
    message: `${pin ? '加签失败: ' : ''}${e.code}: ${e.message}`,
    timestamp: String(now),
    data: null,
  });
};

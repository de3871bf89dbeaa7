import * as v from 'valibot';
import type { SignAlgorithm } from '#core/crypto/certificate.ts';

/**
 * The wire contracts of a signing proxy, in one place for both sides: HsmProxySigner (the client)
 * and `ceb-grab signer` (the server). Two protocols: ours, and the one of the widely deployed
 * open-source Java proxy chinaport-data-signature (docs/protocol.md §6).
 */

export type HsmProxyProtocol = 'ceb-grab' | 'chinaport-data-signature';
export const HSM_PROXY_PROTOCOLS = ['ceb-grab', 'chinaport-data-signature'] as const;
export const SIGN_ALGORITHMS = ['SM3withSM2', 'SHA1withRSA'] as const satisfies readonly SignAlgorithm[];

// --- ours (`ceb-grab`) ---
export const SIGN_PATH = '/v1/sign';
export const KEYS_PATH = '/v1/keys/';
export const HEALTH_PATH = '/health';

const nonEmpty = (what: string) =>
  v.pipe(v.string(`${what} must be a string`), v.minLength(1, `${what} is empty`));
const base64 = (what: string) =>
  v.pipe(nonEmpty(what), v.regex(/^[A-Za-z0-9+/]+={0,2}$/, `${what} must be base64`));
const algorithm = v.picklist(SIGN_ALGORITHMS, 'algorithm must be SM3withSM2 or SHA1withRSA');

export const SignRequestSchema = v.object({
  requestId: v.pipe(nonEmpty('requestId'), v.maxLength(128, 'requestId is longer than 128 characters')),
  keyId: v.pipe(nonEmpty('keyId'), v.maxLength(2048, 'keyId is longer than 2048 characters')),
  algorithm,
  /** base64 of the exact UTF-8 bytes to sign */
  data: base64('data'),
});
export type SignRequest = v.InferOutput<typeof SignRequestSchema>;

export const SignReplySchema = v.object({
  requestId: nonEmpty('requestId'),
  signValue: base64('signValue'),
  certNo: nonEmpty('certNo'),
  algorithm,
});
export type SignReply = v.InferOutput<typeof SignReplySchema>;

export const KeyDescriptionSchema = v.object({
  certNo: nonEmpty('certNo'),
  algorithm,
  certificate: v.pipe(nonEmpty('certificate'), v.includes('BEGIN CERTIFICATE', 'certificate must be a PEM')),
  notAfter: v.pipe(nonEmpty('notAfter'), v.isoTimestamp('notAfter must be an ISO timestamp')),
});
export type KeyDescription = v.InferOutput<typeof KeyDescriptionSchema>;

/** Why a proxy refused, with the HTTP status it answers and whether trying again can help. */
export const PROXY_ERRORS = {
  BAD_REQUEST: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  UNKNOWN_KEY: { status: 404, retryable: false },
  WRONG_ALGORITHM: { status: 422, retryable: false },
  /** kept for older clients; the card never says for sure that a PIN is wrong */
  BAD_PIN: { status: 422, retryable: false },
  /** the card failed in a way a wrong PIN also fails: it is not presented the PIN again until restarted */
  SUSPECT_PIN: { status: 503, retryable: true },
  CERTIFICATE_EXPIRED: { status: 422, retryable: false },
  INTERNAL: { status: 500, retryable: true },
  DEVICE_UNAVAILABLE: { status: 503, retryable: true },
  TIMEOUT: { status: 504, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;
export type ProxyErrorCode = keyof typeof PROXY_ERRORS;

export const ErrorReplySchema = v.object({
  error: v.object({ code: v.string(), message: v.string(), retryable: v.boolean() }),
});
export type ErrorReply = v.InferOutput<typeof ErrorReplySchema>;

// --- chinaport-data-signature ---
export const CHINAPORT_SIGN_PATH = '/rpc/eport/signature';
/** That proxy's certificate download: the card's *encryption* certificate, bare base64 (never used to sign). */
export const CHINAPORT_CERT_PATH = '/rpc/eport/cert/download';
export const CHINAPORT_TOKEN_HEADER = 'x-auth-token-eport-sign';

/** The `code` of its envelope (HTTP is 200 whatever happened); docs/protocol.md §6. */
export const CHINAPORT_CODES = {
  ok: 200,
  unauthorized: 401,
  /** "加签失败": the card did not sign, or its 5-second wait ran out; a wrong PIN looks the same */
  signFailed: 500,
  /** any other exception; data is "Caused by: …" */
  error: 10000,
  /** validation; data is a map of field to problem */
  invalid: 10001,
} as const;

export const ChinaportSignRequestSchema = v.object({
  id: v.optional(v.pipe(v.number(), v.integer())),
  /** the sign source itself, as text */
  data: nonEmpty('data'),
});

/**
 * Its `Result<T>`: `{code, success, message, timestamp, data}`; on success `data` is the signature
 * (below), on failure a string, a map or null.
 */
export const ChinaportReplySchema = v.object({
  code: v.optional(v.number()),
  success: v.boolean('success must be true or false'),
  message: v.nullish(v.string()),
  data: v.nullish(v.unknown()),
});
export type ChinaportReply = v.InferOutput<typeof ChinaportReplySchema>;

export const ChinaportSignResultSchema = v.object({
  success: v.literal(true, 'data.success is not true'),
  certNo: nonEmpty('data.certNo'),
  signatureValue: base64('data.signatureValue'),
});

/** A valibot failure as one readable line. */
export const describeIssues = (issues: readonly v.BaseIssue<unknown>[]): string =>
  issues.map((i) => i.message).join('; ');

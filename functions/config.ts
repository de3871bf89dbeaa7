import * as v from 'valibot';
import { ConfigError } from '#core/errors.ts';

/**
 * Environment -> typed config, read once at cold start, failing fast with every problem named.
 * Each Lambda asks only for the part it uses, so a function is not configured with what it cannot touch.
 */

/** Receives before a grab message goes to the DLQ; the worker records `failed` on the last one. */
export const DEFAULT_MAX_RECEIVES = 5;

const nonEmpty = (name: string) => v.pipe(v.string(`${name} is not set`), v.minLength(1, `${name} is empty`));
const positiveInt = (fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number'), v.transform(Number)),
    String(fallback),
  );

const GrabRequestEnv = v.object({
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  GRAB_QUEUE_URL: nonEmpty('GRAB_QUEUE_URL'),
});

const SoftSignerEnv = v.union([
  v.object({
    SIGNER_KIND: v.literal('soft'),
    SOFT_SIGNER_KEY: nonEmpty('SOFT_SIGNER_KEY'),
    SOFT_SIGNER_CERT: nonEmpty('SOFT_SIGNER_CERT'),
    CERTIFICATES_TABLE: v.optional(v.string()),
  }),
  v.object({
    SIGNER_KIND: v.literal('soft'),
    /** A Secrets Manager secret holding {"privateKeyPem": "...", "certificatePem": "..."}. */
    SOFT_SIGNER_SECRET_ID: nonEmpty('SOFT_SIGNER_SECRET_ID'),
    CERTIFICATES_TABLE: v.optional(v.string()),
  }),
]);

/** An HSM / Ukey signing proxy; the token from Secrets Manager or SSM when deployed, never a plain variable. */
const HsmProxySignerEnv = v.object({
  SIGNER_KIND: v.literal('hsm-proxy'),
  HSM_PROXY_URL: v.pipe(nonEmpty('HSM_PROXY_URL'), v.url('HSM_PROXY_URL must be a URL')),
  HSM_PROXY_PROTOCOL: v.optional(
    v.picklist(
      ['ceb-grab', 'chinaport-data-signature'],
      'HSM_PROXY_PROTOCOL must be ceb-grab or chinaport-data-signature',
    ),
    'ceb-grab',
  ),
  HSM_PROXY_TOKEN: v.optional(v.string()),
  HSM_PROXY_TOKEN_SECRET_ID: v.optional(v.string()),
  HSM_PROXY_TOKEN_PARAMETER: v.optional(v.string()),
  HSM_PROXY_TIMEOUT_MS: positiveInt(5_000),
  /**
   * signatures in flight at once: a Ukey manages about 4 a second (default 4); chinaport-data-signature
   * crosses overlapping requests, so 1 (the default) is all it allows
   */
  HSM_PROXY_MAX_CONCURRENT: v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number'), v.transform(Number)),
  ),
  /**
   * after a failure that could be a wrong PIN, how long the card is not presented before one probe
   * (an operator's `ceb-grab signer-reset` lets one through at once); default 15 minutes
   */
  HSM_PROXY_PIN_COOLDOWN_MS: positiveInt(900_000),
  CERTIFICATES_TABLE: nonEmpty('CERTIFICATES_TABLE'),
});

/** SM2 keys in AWS KMS (China regions); which key signs for an ebpCode is in the registry. */
const KmsSignerEnv = v.object({
  SIGNER_KIND: v.literal('kms'),
  CERTIFICATES_TABLE: nonEmpty('CERTIFICATES_TABLE'),
});

const SignerEnv = v.union(
  [SoftSignerEnv, HsmProxySignerEnv, KmsSignerEnv],
  'SIGNER_KIND must be soft (with SOFT_SIGNER_KEY and SOFT_SIGNER_CERT, or SOFT_SIGNER_SECRET_ID), ' +
    'hsm-proxy (with HSM_PROXY_URL and CERTIFICATES_TABLE) or kms (with CERTIFICATES_TABLE)',
);

const UploadWorkerEnv = v.object({
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  PAYMENTS_TABLE: nonEmpty('PAYMENTS_TABLE'),
  CUSTOMS_UPLOAD_URL: v.pipe(nonEmpty('CUSTOMS_UPLOAD_URL'), v.url('CUSTOMS_UPLOAD_URL must be a URL')),
  CUSTOMS_TIMEOUT_MS: positiveInt(10_000),
  /** In-process tries of one upload on transport errors / 5xx before the message goes back to the queue. */
  UPLOAD_TRIES: positiveInt(3),
  MAX_RECEIVES: positiveInt(DEFAULT_MAX_RECEIVES),
  /**
   * How long a worker holds a session. Keep it below the queue's visibility timeout and above the
   * worker's own timeout: a redelivery after a crash must find the lease expired, not busy.
   */
  UPLOAD_LEASE_MS: positiveInt(20_000),
  /** the certificate registry; a soft signer without it signs for every ebpCode with its one certificate */
  CERTIFICATES_TABLE: v.optional(v.string()),
});

const PaymentsEnv = v.object({
  PAYMENTS_TABLE: nonEmpty('PAYMENTS_TABLE'),
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  GRAB_QUEUE_URL: nonEmpty('GRAB_QUEUE_URL'),
});

function read<S extends v.GenericSchema>(schema: S, env: NodeJS.ProcessEnv): v.InferOutput<S> {
  const result = v.safeParse(schema, env);
  if (result.success) return result.output;
  const problems = result.issues.map((i) => {
    const key = i.path?.[0]?.key;
    return typeof key === 'string' && !i.message.includes(key) ? `${key}: ${i.message}` : i.message;
  });
  throw new ConfigError(`configuration is incomplete: ${[...new Set(problems)].join('; ')}`);
}

export type GrabRequestConfig = v.InferOutput<typeof GrabRequestEnv>;
export type SignerConfig = v.InferOutput<typeof SignerEnv>;
export type SoftSignerConfig = Extract<SignerConfig, { SIGNER_KIND: 'soft' }>;
export type HsmProxySignerConfig = Extract<SignerConfig, { SIGNER_KIND: 'hsm-proxy' }>;
export type UploadWorkerConfig = v.InferOutput<typeof UploadWorkerEnv> & {
  signer: SignerConfig;
};
export type PaymentsConfig = v.InferOutput<typeof PaymentsEnv>;

export const grabRequestConfig = (env = process.env): GrabRequestConfig => read(GrabRequestEnv, env);
export const paymentsConfig = (env = process.env): PaymentsConfig => read(PaymentsEnv, env);
export const uploadWorkerConfig = (env = process.env): UploadWorkerConfig => ({
  ...read(UploadWorkerEnv, env),
  signer: readSigner(env),
});

function readSigner(env: NodeJS.ProcessEnv): v.InferOutput<typeof SignerEnv> {
  const kind = env.SIGNER_KIND ?? 'soft';
  const schema = kind === 'hsm-proxy' ? HsmProxySignerEnv : kind === 'kms' ? KmsSignerEnv : SoftSignerEnv;
  if (!['soft', 'hsm-proxy', 'kms'].includes(kind)) {
    throw new ConfigError(`SIGNER_KIND=${kind} is not a signer: use soft, hsm-proxy or kms`);
  }
  const signer = read(schema, { ...env, SIGNER_KIND: kind }) as v.InferOutput<typeof SignerEnv>;
  if (
    signer.SIGNER_KIND === 'hsm-proxy' &&
    !signer.HSM_PROXY_TOKEN &&
    !signer.HSM_PROXY_TOKEN_SECRET_ID &&
    !signer.HSM_PROXY_TOKEN_PARAMETER
  ) {
    throw new ConfigError(
      'the HSM proxy needs a token: HSM_PROXY_TOKEN_SECRET_ID (Secrets Manager) or HSM_PROXY_TOKEN_PARAMETER (SSM); HSM_PROXY_TOKEN only for local runs',
    );
  }
  if (
    signer.SIGNER_KIND === 'hsm-proxy' &&
    signer.HSM_PROXY_PROTOCOL === 'chinaport-data-signature' &&
    (signer.HSM_PROXY_MAX_CONCURRENT ?? 1) > 1
  ) {
    throw new ConfigError(
      `HSM_PROXY_MAX_CONCURRENT=${signer.HSM_PROXY_MAX_CONCURRENT} with HSM_PROXY_PROTOCOL=chinaport-data-signature: ` +
        'that proxy crosses the signatures of overlapping requests, so it takes one at a time; leave it unset',
    );
  }
  return signer;
}

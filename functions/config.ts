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
  }),
  v.object({
    SIGNER_KIND: v.literal('soft'),
    /** A Secrets Manager secret holding {"privateKeyPem": "...", "certificatePem": "..."}. */
    SOFT_SIGNER_SECRET_ID: nonEmpty('SOFT_SIGNER_SECRET_ID'),
  }),
]);

const UploadWorkerEnv = v.object({
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  PAYMENTS_TABLE: nonEmpty('PAYMENTS_TABLE'),
  CUSTOMS_UPLOAD_URL: v.pipe(nonEmpty('CUSTOMS_UPLOAD_URL'), v.url('CUSTOMS_UPLOAD_URL must be a URL')),
  CUSTOMS_TIMEOUT_MS: positiveInt(10_000),
  /** In-process tries of one upload on transport errors / 5xx before the message goes back to the queue. */
  UPLOAD_TRIES: positiveInt(3),
  MAX_RECEIVES: positiveInt(DEFAULT_MAX_RECEIVES),
  UPLOAD_LEASE_MS: positiveInt(60_000),
  SIGNER_KIND: v.optional(
    v.picklist(['soft'], 'SIGNER_KIND must be soft (hsm-proxy and kms come with production signing)'),
    'soft',
  ),
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
export type UploadWorkerConfig = v.InferOutput<typeof UploadWorkerEnv> & {
  signer: v.InferOutput<typeof SoftSignerEnv>;
};
export type PaymentsConfig = v.InferOutput<typeof PaymentsEnv>;

export const grabRequestConfig = (env = process.env): GrabRequestConfig => read(GrabRequestEnv, env);
export const paymentsConfig = (env = process.env): PaymentsConfig => read(PaymentsEnv, env);
export const uploadWorkerConfig = (env = process.env): UploadWorkerConfig => ({
  ...read(UploadWorkerEnv, env),
  signer: read(SoftSignerEnv, { SIGNER_KIND: 'soft', ...env }),
});

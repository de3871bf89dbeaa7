import * as v from 'valibot';
import { ConfigError } from '#core/errors.ts';
import {
  CALLBACK_MAX_BODY_BYTES,
  CALLBACK_SIGNATURE_WINDOW_MS,
  CUSTOMS_TIMEOUT_MS,
  HSM_PROXY_PIN_COOLDOWN_MS,
  HSM_PROXY_TIMEOUT_MS,
  MAX_RECEIVES,
  RETENTION_DAYS,
  RETRY_BACKOFF_MAX_MS,
  RETRY_BACKOFF_STEP_MS,
  STUCK_QUEUED_AFTER_MS,
  STUCK_RECEIVED_AFTER_MS,
  UPLOAD_LEASE_MS,
  UPLOAD_TRIES,
} from '#core/settings.ts';

/**
 * Environment -> typed config, read once at cold start, failing fast with every problem named.
 * Each Lambda asks only for the part it uses, so a function is not configured with what it cannot touch.
 * Every default is the deployed value, from core/settings.ts.
 */

const nonEmpty = (name: string) => v.pipe(v.string(`${name} is not set`), v.minLength(1, `${name} is empty`));
const wholePositive = v.pipe(
  v.string(),
  v.regex(/^\d+$/, 'must be a whole number'),
  v.transform(Number),
  v.minValue(1),
);
const positiveInt = (fallback: number) => v.optional(wholePositive, String(fallback));

/** Days payments, sessions and clearance timelines are kept after the payment's tradingTime (core/retention.ts). */
const retentionDays = positiveInt(RETENTION_DAYS);

const GrabRequestEnv = v.object({
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  GRAB_QUEUE_URL: nonEmpty('GRAB_QUEUE_URL'),
  /** a new session expires this many days after its receipt */
  RETENTION_DAYS: retentionDays,
});

/** The stuck-session sweep: the grab's table and queue, and when a session counts as stuck. */
const SweepEnv = v.object({
  ...GrabRequestEnv.entries,
  STUCK_RECEIVED_AFTER_MS: positiveInt(STUCK_RECEIVED_AFTER_MS),
  STUCK_QUEUED_AFTER_MS: positiveInt(STUCK_QUEUED_AFTER_MS),
  /** the grab queue's DLQ: dead letters whose session has no outcome are recorded `failed` */
  GRAB_DLQ_URL: nonEmpty('GRAB_DLQ_URL'),
  MAX_RECEIVES: positiveInt(MAX_RECEIVES),
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
  HSM_PROXY_TIMEOUT_MS: positiveInt(HSM_PROXY_TIMEOUT_MS),
  /**
   * signatures in flight at once: a Ukey manages about 4 a second (default 4); chinaport-data-signature
   * crosses overlapping requests, so 1 (the default) is all it allows
   */
  HSM_PROXY_MAX_CONCURRENT: v.optional(wholePositive),
  /**
   * after a failure that could be a wrong PIN, how long the card is not presented before one probe
   * (an operator's `ceb-grab signer-reset` lets one through at once); default 15 minutes
   */
  HSM_PROXY_PIN_COOLDOWN_MS: positiveInt(HSM_PROXY_PIN_COOLDOWN_MS),
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
  CUSTOMS_TIMEOUT_MS: positiveInt(CUSTOMS_TIMEOUT_MS),
  UPLOAD_TRIES: positiveInt(UPLOAD_TRIES),
  MAX_RECEIVES: positiveInt(MAX_RECEIVES),
  /** Below the queue's visibility timeout and above the worker's timeout (core/settings.ts says why). */
  UPLOAD_LEASE_MS: positiveInt(UPLOAD_LEASE_MS),
  /** a session whose payment expires later than its receipt is kept until then */
  RETENTION_DAYS: retentionDays,
  /** the certificate registry; a soft signer without it signs for every ebpCode with its one certificate */
  CERTIFICATES_TABLE: v.optional(v.string()),
});

/**
 * What the upload worker needs even when it cannot build the rest (signer material missing): the
 * sessions, to say why a grab waits, and the queue, to bring a failed grab back after a short backoff.
 */
const UploadWorkerStartEnv = v.object({
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  /** unset: failed grabs come back after the queue's visibility timeout */
  GRAB_QUEUE_URL: v.optional(v.string()),
  RETRY_BACKOFF_STEP_MS: positiveInt(RETRY_BACKOFF_STEP_MS),
  RETRY_BACKOFF_MAX_MS: positiveInt(RETRY_BACKOFF_MAX_MS),
});

const PaymentsEnv = v.object({
  PAYMENTS_TABLE: nonEmpty('PAYMENTS_TABLE'),
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  GRAB_QUEUE_URL: nonEmpty('GRAB_QUEUE_URL'),
  RETENTION_DAYS: retentionDays,
});

const PaymentIntakeEnv = v.object({
  PAYMENTS_TABLE: nonEmpty('PAYMENTS_TABLE'),
  /** where an order's copNo in the payment data links the inventory's receipts to the order */
  CLEARANCE_TABLE: nonEmpty('CLEARANCE_TABLE'),
  RETENTION_DAYS: retentionDays,
});

/** Where the clearance partners' HMAC secrets are: exactly one of the two. */
const PartnerSecretsEnv = v.union(
  [
    /** JSON `{"partnerId": "secret"}` in the environment: the local stack and tests. */
    v.object({ CALLBACK_PARTNER_SECRETS: nonEmpty('CALLBACK_PARTNER_SECRETS') }),
    /** A Secrets Manager secret (name or ARN) holding that JSON: the one the stack makes. */
    v.object({ CALLBACK_PARTNER_SECRETS_SECRET_ID: nonEmpty('CALLBACK_PARTNER_SECRETS_SECRET_ID') }),
  ],
  'set CALLBACK_PARTNER_SECRETS_SECRET_ID (or CALLBACK_PARTNER_SECRETS locally)',
);

const ClearanceCallbackEnv = v.object({
  CLEARANCE_TABLE: nonEmpty('CLEARANCE_TABLE'),
  /** the orders' payments, read so a timeline expires with its payment; unset: kept from each receipt */
  PAYMENTS_TABLE: v.optional(v.string()),
  RETENTION_DAYS: retentionDays,
  CALLBACK_MAX_BODY_BYTES: positiveInt(CALLBACK_MAX_BODY_BYTES),
  CALLBACK_SIGNATURE_WINDOW_MS: positiveInt(CALLBACK_SIGNATURE_WINDOW_MS),
});

const OrderStatusEnv = v.object({
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  PAYMENTS_TABLE: nonEmpty('PAYMENTS_TABLE'),
  CLEARANCE_TABLE: nonEmpty('CLEARANCE_TABLE'),
});

function problemsOf(schema: v.GenericSchema, env: NodeJS.ProcessEnv): string[] {
  const result = v.safeParse(schema, env);
  if (result.success) return [];
  return result.issues.map((i) => {
    const key = i.path?.[0]?.key;
    if (typeof key !== 'string') return i.message;
    // valibot reports a missing key in its own words; say it plainly.
    if (i.input === undefined) return `${key} is not set`;
    return i.message.includes(key) ? i.message : `${key}: ${i.message}`;
  });
}

/** Every problem of every schema in one error, or the first schema's output. */
function read<S extends v.GenericSchema>(
  schema: S,
  env: NodeJS.ProcessEnv,
  ...more: readonly v.GenericSchema[]
): v.InferOutput<S> {
  const problems = [schema, ...more].flatMap((s) => problemsOf(s, env));
  if (problems.length > 0) {
    throw new ConfigError(`configuration is incomplete: ${[...new Set(problems)].join('; ')}`);
  }
  return v.parse(schema, env);
}

export type GrabRequestConfig = v.InferOutput<typeof GrabRequestEnv>;
export type SweepConfig = v.InferOutput<typeof SweepEnv>;
export type SignerConfig = v.InferOutput<typeof SignerEnv>;
export type SoftSignerConfig = Extract<SignerConfig, { SIGNER_KIND: 'soft' }>;
export type HsmProxySignerConfig = Extract<SignerConfig, { SIGNER_KIND: 'hsm-proxy' }>;
export type UploadWorkerConfig = v.InferOutput<typeof UploadWorkerEnv> & {
  signer: SignerConfig;
};
export type UploadWorkerStartConfig = v.InferOutput<typeof UploadWorkerStartEnv>;
export type PaymentsConfig = v.InferOutput<typeof PaymentsEnv>;
export type PaymentIntakeConfig = v.InferOutput<typeof PaymentIntakeEnv>;
export type PartnerSecretsConfig = v.InferOutput<typeof PartnerSecretsEnv>;
export type ClearanceCallbackConfig = v.InferOutput<typeof ClearanceCallbackEnv> & {
  partnerSecrets: PartnerSecretsConfig;
};
export type OrderStatusConfig = v.InferOutput<typeof OrderStatusEnv>;

export const grabRequestConfig = (env = process.env): GrabRequestConfig => read(GrabRequestEnv, env);
export const sweepConfig = (env = process.env): SweepConfig => read(SweepEnv, env);
export const paymentsConfig = (env = process.env): PaymentsConfig => read(PaymentsEnv, env);
export const paymentIntakeConfig = (env = process.env): PaymentIntakeConfig => read(PaymentIntakeEnv, env);
export const uploadWorkerConfig = (env = process.env): UploadWorkerConfig => ({
  ...read(UploadWorkerEnv, env),
  signer: readSigner(env),
});
export const uploadWorkerStartConfig = (env = process.env): UploadWorkerStartConfig =>
  read(UploadWorkerStartEnv, env);
export const orderStatusConfig = (env = process.env): OrderStatusConfig => read(OrderStatusEnv, env);

export function clearanceCallbackConfig(env = process.env): ClearanceCallbackConfig {
  const sources = ['CALLBACK_PARTNER_SECRETS_SECRET_ID', 'CALLBACK_PARTNER_SECRETS'].filter((k) => env[k]);
  if (sources.length > 1) {
    throw new ConfigError(`configuration is ambiguous: set only one of ${sources.join(', ')}`);
  }
  const callback = read(ClearanceCallbackEnv, env, PartnerSecretsEnv);
  return { ...callback, partnerSecrets: v.parse(PartnerSecretsEnv, env) };
}

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

// ---- Operator tools (ceb-grab's commands, the local stack's loader, bench, soak) ----------------

const OPERATOR_SETTINGS = [
  'SESSIONS_TABLE',
  'PAYMENTS_TABLE',
  'CERTIFICATES_TABLE',
  'CLEARANCE_TABLE',
  'GRAB_QUEUE_URL',
  'GRAB_DLQ_URL',
  'RETENTION_DAYS',
] as const;
export type OperatorSetting = (typeof OPERATOR_SETTINGS)[number];

/** The tables and queues an operator command works on, each one set, else a ConfigError naming those missing. */
export const operatorConfig = <K extends OperatorSetting>(
  names: readonly K[],
  env = process.env,
): Record<K, string> =>
  read(v.object(Object.fromEntries(names.map((n) => [n, nonEmpty(n)]))), env) as Record<K, string>;

/** Whether the environment names every one of these: a deployed stack's, rather than the local stack. */
export const namesOperatorSettings = (names: readonly OperatorSetting[], env = process.env): boolean =>
  names.every((n) => Boolean(env[n]));

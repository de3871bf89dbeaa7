import * as v from 'valibot';
import { SIGNATURE_WINDOW_MS } from '#core/clearance/signature.ts';
import { ConfigError } from '#core/errors.ts';

/**
 * Environment -> typed config for the clearance functions (clearance-callback, order-status), read
 * once at cold start, failing fast with every problem named (as functions/config.ts does for the rest).
 */
const nonEmpty = (name: string) => v.pipe(v.string(`${name} is not set`), v.minLength(1, `${name} is empty`));
const positiveInt = (fallback: number) =>
  v.optional(
    v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number'), v.transform(Number), v.minValue(1)),
    String(fallback),
  );

/** Where the partners' HMAC secrets are: exactly one of the two. */
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
  /** A receipt is about 1 KB; anything far larger is not one. */
  CALLBACK_MAX_BODY_BYTES: positiveInt(64 * 1024),
  CALLBACK_SIGNATURE_WINDOW_MS: positiveInt(SIGNATURE_WINDOW_MS),
});

const OrderStatusEnv = v.object({
  SESSIONS_TABLE: nonEmpty('SESSIONS_TABLE'),
  PAYMENTS_TABLE: nonEmpty('PAYMENTS_TABLE'),
  CLEARANCE_TABLE: nonEmpty('CLEARANCE_TABLE'),
});

function problemsOf<S extends v.GenericSchema>(schema: S, env: NodeJS.ProcessEnv): string[] {
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

function read<S extends v.GenericSchema>(schemas: readonly S[], env: NodeJS.ProcessEnv): void {
  const problems = schemas.flatMap((s) => problemsOf(s, env));
  if (problems.length > 0) {
    throw new ConfigError(`configuration is incomplete: ${[...new Set(problems)].join('; ')}`);
  }
}

export type PartnerSecretsConfig = v.InferOutput<typeof PartnerSecretsEnv>;
export type ClearanceCallbackConfig = v.InferOutput<typeof ClearanceCallbackEnv> & {
  partnerSecrets: PartnerSecretsConfig;
};
export type OrderStatusConfig = v.InferOutput<typeof OrderStatusEnv>;

export function clearanceCallbackConfig(env = process.env): ClearanceCallbackConfig {
  if (env.CALLBACK_PARTNER_SECRETS_PARAMETER) {
    throw new ConfigError(
      'CALLBACK_PARTNER_SECRETS_PARAMETER is no longer read: keep the partner secrets in the Secrets Manager secret the stack makes (CALLBACK_PARTNER_SECRETS_SECRET_ID)',
    );
  }
  const sources = ['CALLBACK_PARTNER_SECRETS_SECRET_ID', 'CALLBACK_PARTNER_SECRETS'].filter((k) => env[k]);
  if (sources.length > 1) {
    throw new ConfigError(`configuration is ambiguous: set only one of ${sources.join(', ')}`);
  }
  read([ClearanceCallbackEnv, PartnerSecretsEnv], env);
  return { ...v.parse(ClearanceCallbackEnv, env), partnerSecrets: v.parse(PartnerSecretsEnv, env) };
}

export function orderStatusConfig(env = process.env): OrderStatusConfig {
  read([OrderStatusEnv], env);
  return v.parse(OrderStatusEnv, env);
}

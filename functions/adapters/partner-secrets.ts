import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as v from 'valibot';
import type { PartnerSecrets } from '#core/clearance/ports.ts';
import { ConfigError } from '#core/errors.ts';
import type { PartnerSecretsConfig } from '#functions/config.ts';

/**
 * Each callback partner's HMAC secret, from one JSON object `{"<partnerId>": "<secret>", ...}` held in
 * the Secrets Manager secret the stack makes (deployed), or in the environment (local stack). One
 * store only: an SSM client would add about 80 KB to the function's bundle.
 * Cached for a few minutes, so a new partner or a rotated secret is live within that time.
 * Secrets are never logged, and never named in an error.
 */
export const PARTNER_SECRETS_MAX_AGE_S = 300;

const SecretsSchema = v.record(
  v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'a partner id is 1 to 64 letters, digits, _ . -')),
  v.pipe(v.string(), v.minLength(16, 'a partner secret must be at least 16 characters')),
);

function parseSecrets(value: unknown, where: string): Map<string, string> {
  const parsed = v.safeParse(SecretsSchema, value);
  if (!parsed.success) {
    // The issue message only, never the input: it is a secret.
    throw new ConfigError(`${where} must hold {"partnerId": "secret", ...}: ${parsed.issues[0]?.message}`);
  }
  return new Map(Object.entries(parsed.output));
}

/** Parsed here, not by Powertools' `json` transform: its error quotes the start of the text. */
function parseJsonSecrets(json: unknown, where: string): Map<string, string> {
  if (typeof json !== 'string') throw new ConfigError(`${where} must be a JSON text`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ConfigError(`${where} is not JSON`);
  }
  return parseSecrets(value, where);
}

/** The secrets as JSON text, read once (local stack, tests). */
export class StaticPartnerSecrets implements PartnerSecrets {
  private readonly secrets: Map<string, string>;
  constructor(json: string, where = 'CALLBACK_PARTNER_SECRETS') {
    this.secrets = parseJsonSecrets(json, where);
  }
  async secretFor(partner: string) {
    return this.secrets.get(partner);
  }
}

/** The secrets in Secrets Manager, through Powertools' cache. */
class FetchedPartnerSecrets implements PartnerSecrets {
  constructor(
    private readonly fetch: () => Promise<unknown>,
    private readonly where: string,
  ) {}
  async secretFor(partner: string) {
    return parseJsonSecrets(await this.fetch(), this.where).get(partner);
  }
}

export function partnerSecrets(config: PartnerSecretsConfig): PartnerSecrets {
  if ('CALLBACK_PARTNER_SECRETS' in config) return new StaticPartnerSecrets(config.CALLBACK_PARTNER_SECRETS);
  const id = config.CALLBACK_PARTNER_SECRETS_SECRET_ID;
  return new FetchedPartnerSecrets(
    () => getSecret(id, { maxAge: PARTNER_SECRETS_MAX_AGE_S }),
    `secret ${id}`,
  );
}

import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as v from 'valibot';
import { CALLBACK_SCHEMES, type CallbackPartner, type PartnerSecrets } from '#core/clearance/ports.ts';
import { ConfigError } from '#core/errors.ts';
import type { PartnerSecretsConfig } from '#functions/config.ts';

/**
 * The callback partners, from one JSON object held in the Secrets Manager secret the stack makes
 * (deployed), or in the environment (local stack). Each entry is either a bare secret (our HMAC
 * headers) or `{"secret", "scheme": "hmac" | "top", "ebpCodes": [...]}`. One store only: an SSM client
 * would add about 80 KB to the function's bundle.
 * Cached for a few minutes, so a new partner or a rotated secret is live within that time.
 * Secrets are never logged, and never named in an error.
 */
export const PARTNER_SECRETS_MAX_AGE_S = 300;

const Secret = v.pipe(v.string(), v.minLength(16, 'a partner secret must be at least 16 characters'));

const PartnerSchema = v.union(
  [
    v.pipe(
      Secret,
      v.transform((secret): CallbackPartner => ({ secret, scheme: 'hmac' })),
    ),
    v.strictObject({
      secret: Secret,
      scheme: v.optional(v.picklist(CALLBACK_SCHEMES, 'scheme must be "hmac" or "top"'), 'hmac'),
      ebpCodes: v.optional(
        v.pipe(
          v.array(v.pipe(v.string(), v.regex(/^\S{1,64}$/, 'an ebpCode is 1 to 64 characters'))),
          v.minLength(1, 'ebpCodes, when given, lists at least one ebpCode'),
        ),
      ),
    }),
  ],
  'a partner is "<secret>" or {"secret": "<secret>", "scheme": "hmac" | "top", "ebpCodes": [...]}',
);

const SecretsSchema = v.record(
  v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'a partner id is 1 to 64 letters, digits, _ . -')),
  PartnerSchema,
);

function parseSecrets(value: unknown, where: string): Map<string, CallbackPartner> {
  const parsed = v.safeParse(SecretsSchema, value);
  if (!parsed.success) {
    // The issue message only, never the input: it is a secret.
    throw new ConfigError(
      `${where} must hold {"partnerId": "secret" | {"secret", "scheme", "ebpCodes"}, ...}: ${parsed.issues[0]?.message}`,
    );
  }
  return new Map(
    Object.entries(parsed.output).map(([id, p]) => [
      id,
      // exactOptionalPropertyTypes: an absent list is no key at all.
      p.ebpCodes === undefined
        ? { secret: p.secret, scheme: p.scheme }
        : { secret: p.secret, scheme: p.scheme, ebpCodes: p.ebpCodes },
    ]),
  );
}

/** Parsed here, not by Powertools' `json` transform: its error quotes the start of the text. */
function parseJsonSecrets(json: unknown, where: string): Map<string, CallbackPartner> {
  if (typeof json !== 'string') throw new ConfigError(`${where} must be a JSON text`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ConfigError(`${where} is not JSON`);
  }
  return parseSecrets(value, where);
}

/** The partners as JSON text, read once (local stack, tests). */
export class StaticPartnerSecrets implements PartnerSecrets {
  private readonly partners: Map<string, CallbackPartner>;
  constructor(json: string, where = 'CALLBACK_PARTNER_SECRETS') {
    this.partners = parseJsonSecrets(json, where);
  }
  async partnerFor(partner: string) {
    return this.partners.get(partner);
  }
}

/** The partners in Secrets Manager, through Powertools' cache. */
class FetchedPartnerSecrets implements PartnerSecrets {
  constructor(
    private readonly fetch: () => Promise<unknown>,
    private readonly where: string,
  ) {}
  async partnerFor(partner: string) {
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

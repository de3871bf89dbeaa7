import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { formatClearanceTime, parseClearanceTime } from './china-time.ts';
import { CallbackUnauthorizedError } from './errors.ts';

/**
 * TOP's request signature (docs/protocol.md §7): every parameter but `sign`, sorted by name, joined
 * as name+value; then, as `sign_method` says,
 *   md5:         upper-case hex MD5(secret + pairs + secret)
 *   hmac:        upper-case hex HMAC-MD5(secret, pairs)
 *   hmac-sha256: upper-case hex HMAC-SHA256(secret, pairs)
 * The timestamp (`yyyy-MM-dd HH:mm:ss`, Beijing time) must be within the window of our clock.
 */
export const TOP_SIGN_METHODS = ['md5', 'hmac', 'hmac-sha256'] as const;
export type TopSignMethod = (typeof TOP_SIGN_METHODS)[number];

const UNKNOWN_PARTNER_KEY = 'no partner has this app_key';

/** The text TOP signs: every parameter but `sign`, sorted by name (code unit order, as the SDKs sort). */
export function topSignSource(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign')
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join('');
}

/** The `sign` a TOP client sends for these parameters. */
export function signTop(
  params: Readonly<Record<string, string>>,
  secret: string,
  method: TopSignMethod,
): string {
  const source = topSignSource(params);
  const hex =
    method === 'md5'
      ? createHash('md5').update(`${secret}${source}${secret}`, 'utf8').digest('hex')
      : createHmac(method === 'hmac' ? 'md5' : 'sha256', secret)
          .update(source, 'utf8')
          .digest('hex');
  return hex.toUpperCase();
}

export interface TopCredentials {
  readonly partner: string;
  readonly sign: string;
  readonly signMethod: TopSignMethod;
  /** ms since 1970, from the Beijing-time timestamp */
  readonly timestamp: number;
}

/** The system parameters that prove a TOP request; throws when one is missing or malformed. */
export function readTopCredentials(params: Readonly<Record<string, string>>): TopCredentials {
  const partner = params.app_key?.trim();
  const sign = params.sign?.trim();
  if (!partner || !sign) {
    throw new CallbackUnauthorizedError(
      'no-signature',
      'app_key and sign are required',
      partner || undefined,
    );
  }
  const signMethod = (params.sign_method ?? 'md5').trim().toLowerCase();
  if (!(TOP_SIGN_METHODS as readonly string[]).includes(signMethod)) {
    throw new CallbackUnauthorizedError(
      'malformed-headers',
      'sign_method must be md5, hmac or hmac-sha256',
      partner,
    );
  }
  const digits = signMethod === 'hmac-sha256' ? 64 : 32;
  if (!/^[\w.-]{1,64}$/.test(partner) || !new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(sign)) {
    throw new CallbackUnauthorizedError(
      'malformed-headers',
      `sign must be ${digits} hex digits for sign_method ${signMethod}`,
      /^[\w.-]{1,64}$/.test(partner) ? partner : undefined,
    );
  }
  const timestamp = params.timestamp === undefined ? undefined : parseClearanceTime(params.timestamp.trim());
  if (timestamp === undefined) {
    throw new CallbackUnauthorizedError(
      'bad-timestamp',
      'timestamp must be yyyy-MM-dd HH:mm:ss, Beijing time',
      partner,
    );
  }
  return { partner, sign: sign.toUpperCase(), signMethod: signMethod as TopSignMethod, timestamp };
}

/**
 * Check `sign` with the partner's secret (constant time), then the timestamp against our clock. An
 * unknown app_key costs the same and gets the same answer as a wrong signature.
 */
export function verifyTop(
  params: Readonly<Record<string, string>>,
  credentials: TopCredentials,
  secret: string | undefined,
  now: number,
  windowMs: number,
): void {
  const { partner, sign, signMethod, timestamp } = credentials;
  const expected = Buffer.from(signTop(params, secret ?? UNKNOWN_PARTNER_KEY, signMethod), 'hex');
  const matches = timingSafeEqual(expected, Buffer.from(sign, 'hex'));
  if (secret === undefined) {
    throw new CallbackUnauthorizedError('unknown-partner', 'the signature does not match', partner);
  }
  if (!matches)
    throw new CallbackUnauthorizedError('wrong-signature', 'the signature does not match', partner);
  if (Math.abs(now - timestamp) > windowMs) {
    throw new CallbackUnauthorizedError(
      'stale',
      `timestamp is more than ${windowMs / 60_000} minutes from our clock (Beijing time ${formatClearanceTime(now)}): sign each request when sending it`,
      partner,
    );
  }
}

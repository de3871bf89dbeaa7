import { createHmac, timingSafeEqual } from 'node:crypto';
import { CALLBACK_SIGNATURE_WINDOW_MS } from '../settings.ts';
import { CallbackUnauthorizedError } from './errors.ts';

/**
 * How a partner signs a callback (docs/clearance-callbacks.md):
 *   x-ceb-partner:   the partner's id
 *   x-ceb-timestamp: ms since 1970 when it signed
 *   x-ceb-signature: hex HMAC-SHA256, keyed with the partner's secret, of
 *                    the timestamp's digits, one "\n", then the body's bytes exactly as sent.
 * A signature is good for SIGNATURE_WINDOW_MS either side of our clock, and only once.
 */
export const SIGNATURE_WINDOW_MS = CALLBACK_SIGNATURE_WINDOW_MS;

export const PARTNER_HEADER = 'x-ceb-partner';
const UNKNOWN_PARTNER_KEY = 'no partner has this key';
export const TIMESTAMP_HEADER = 'x-ceb-timestamp';
export const SIGNATURE_HEADER = 'x-ceb-signature';

export interface CallbackCredentials {
  readonly partner: string;
  readonly timestamp: number;
  /** lower-case hex, 64 digits */
  readonly signature: string;
}

/** The HMAC a partner sends for this body at this time. */
export function signCallback(secret: string, timestamp: number, body: Buffer | string): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}\n`, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex');
}

/** The headers a partner sends (for tests, fixtures and the local demo). */
export function signedHeaders(
  partner: string,
  secret: string,
  body: Buffer | string,
  timestamp = Date.now(),
): Record<string, string> {
  return {
    [PARTNER_HEADER]: partner,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signCallback(secret, timestamp, body),
  };
}

/** Read the three headers (any case); throws CallbackUnauthorizedError when one is missing or malformed. */
export function readCredentials(headers: Readonly<Record<string, string | undefined>>): CallbackCredentials {
  const get = (name: string) =>
    Object.entries(headers)
      .find(([k]) => k.toLowerCase() === name)?.[1]
      ?.trim() || undefined;
  const partner = get(PARTNER_HEADER);
  const timestamp = get(TIMESTAMP_HEADER);
  const signature = get(SIGNATURE_HEADER);
  if (!partner || !timestamp || !signature) {
    throw new CallbackUnauthorizedError(
      'no-signature',
      `the request must carry ${PARTNER_HEADER}, ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER}`,
      partner,
    );
  }
  if (
    !/^[\w.-]{1,64}$/.test(partner) ||
    !/^\d{1,16}$/.test(timestamp) ||
    !/^[0-9a-f]{64}$/i.test(signature)
  ) {
    throw new CallbackUnauthorizedError(
      'malformed-headers',
      `${TIMESTAMP_HEADER} must be ms since 1970 and ${SIGNATURE_HEADER} 64 hex digits`,
      /^[\w.-]{1,64}$/.test(partner) ? partner : undefined,
    );
  }
  return { partner, timestamp: Number(timestamp), signature: signature.toLowerCase() };
}

/**
 * Check the signature with the partner's secret (constant time) and the timestamp against our clock.
 * The once-only part (replay) needs storage and is the use case's job.
 */
export function verifyCallback(
  credentials: CallbackCredentials,
  secret: string | undefined,
  body: Buffer,
  now: number,
  windowMs = SIGNATURE_WINDOW_MS,
): void {
  const { partner, timestamp, signature } = credentials;
  // An unknown partner costs the same HMAC and gets the same answer as a wrong signature, so
  // neither the time taken nor the reply tells a caller which partner ids exist.
  const expected = Buffer.from(signCallback(secret ?? UNKNOWN_PARTNER_KEY, timestamp, body), 'hex');
  const matches = timingSafeEqual(expected, Buffer.from(signature, 'hex'));
  if (secret === undefined) {
    throw new CallbackUnauthorizedError('unknown-partner', 'the signature does not match', partner);
  }
  if (!matches) {
    throw new CallbackUnauthorizedError('wrong-signature', 'the signature does not match', partner);
  }
  // Checked after the HMAC, so only a partner learns that its clock is off.
  if (Math.abs(now - timestamp) > windowMs) {
    throw new CallbackUnauthorizedError(
      'stale',
      `${TIMESTAMP_HEADER} is more than ${windowMs / 60_000} minutes from our clock (${new Date(now).toISOString()}): sign each request when sending it`,
      partner,
    );
  }
}

import { parseReturnTime } from './clearance/china-time.ts';
import type { Payment } from './protocol/payment.ts';

/**
 * When an item expires (DynamoDB TTL, epoch seconds): payments, grab sessions and clearance timelines are
 * kept `retentionDays` from the payment's tradingTime (China's E-Commerce Law art. 31: at least three
 * years, core/settings.ts). Pure: the stores write what these return.
 */

/** The TTL attribute of the Payments, Sessions and Clearance tables (lib/ and local/ enable TTL on it). */
export const EXPIRES_AT_ATTRIBUTE = 'expiresAt';

const DAY_MS = 86_400_000;

/** `fromMs` plus the retention, in epoch seconds (TTL's unit), rounded up so it is never early. */
export const expiresAfter = (fromMs: number, retentionDays: number): number =>
  Math.ceil((fromMs + retentionDays * DAY_MS) / 1000);

/** tradingTime is Beijing time, yyyyMMddHHmmss (the field rules check it is a real time). */
export function tradingTimeMs(tradingTime: string): number {
  const ms = /^\d{14}$/.test(tradingTime) ? parseReturnTime(tradingTime) : undefined;
  if (ms === undefined) throw new RangeError(`tradingTime ${tradingTime} is not yyyyMMddHHmmss`);
  return ms;
}

/** A payment (and its orders) expires `retentionDays` after its tradingTime. */
export const paymentExpiresAt = (payment: Pick<Payment, 'tradingTime'>, retentionDays: number): number =>
  expiresAfter(tradingTimeMs(payment.tradingTime), retentionDays);

/**
 * What belongs to an order (its grab sessions, its clearance timeline) follows the order's payment when
 * it is known, else the time it was received: a grab or a receipt never comes before its trade, so that
 * is never earlier than the payment's own expiry would be.
 */
export const orderExpiresAt = (
  payment: Pick<Payment, 'tradingTime'> | undefined,
  receivedAtMs: number,
  retentionDays: number,
): number =>
  payment === undefined
    ? expiresAfter(receivedAtMs, retentionDays)
    : paymentExpiresAt(payment, retentionDays);

/**
 * A grab session is kept from its receipt, and once its payload is prepared as long as its payment too,
 * whichever is later: the session holds the payment's bank accounts and names, and is never kept less
 * than what it was created with (the store keeps a later expiry already written).
 */
export const sessionExpiresAt = (
  payment: Pick<Payment, 'tradingTime'>,
  receivedAtMs: number,
  retentionDays: number,
): number => Math.max(expiresAfter(receivedAtMs, retentionDays), paymentExpiresAt(payment, retentionDays));

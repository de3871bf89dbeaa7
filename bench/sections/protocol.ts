import { buildPayExchangeInfo, validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { serializePayExchangeInfo } from '#core/protocol/serialize.ts';
import { samplePayments } from '#local/sample-payments.ts';
import { microsEach } from '../lib/stats.ts';

/** A 1-order and a 20-order payment, the shapes whose sign sources the crypto section signs too. */
export function benchPayments(): { one: Payment; twenty: Payment } {
  const all = samplePayments();
  const one = all.find((p) => p.orders.length === 1);
  const multi = all.find((p) => p.orders.length > 1);
  if (!one || !multi) throw new Error('the sample payments lost their single- or multi-order payment');
  const template = multi.orders[0];
  if (!template) throw new Error('a multi-order sample payment without orders');
  const twenty: Payment = {
    ...multi,
    orders: Array.from({ length: 20 }, (_, i) => ({
      ...(multi.orders[i % multi.orders.length] ?? template),
      orderNo: `BENCH2026061${String(i).padStart(5, '0')}`,
    })),
  };
  return { one, twenty };
}

const GUID = '9D55BA71-22DE-41F4-8B50-C36C83B3B530';
const SESSION = 'fe2374-8fnejf97-32839218';

/** What the worker does to a payment before signing, as it does it. */
export function signSourceOf(payment: Payment): string {
  const info = validatePayExchangeInfo(buildPayExchangeInfo(payment, GUID));
  return serializePayExchangeInfo(SESSION, info, 1_533_271_903_898).signSource;
}

export interface ProtocolFigures {
  readonly orders: number;
  readonly signSourceBytes: number;
  /** build + validate + serialize + sign source, µs of CPU */
  readonly micros: number;
}

export function protocolSection(): ProtocolFigures[] {
  const { one, twenty } = benchPayments();
  return [one, twenty].map((payment) => ({
    orders: payment.orders.length,
    signSourceBytes: Buffer.byteLength(signSourceOf(payment)),
    micros: microsEach(() => signSourceOf(payment), 1.5),
  }));
}

import { buildPayExchangeInfo, validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { serializePayExchangeInfo } from '#core/protocol/serialize.ts';
import { samplePayments } from '#local/sample-payments.ts';
import { microsEach } from '../lib/stats.ts';

/**
 * A 1-order and a 20-order payment: the smallest single-order sample payment, and the same payment
 * paying 20 orders (the sample orders over again, each with its own orderNo).
 */
export function benchPayments(): { one: Payment; twenty: Payment } {
  const all = samplePayments();
  const size = (p: Payment) => JSON.stringify(p).length;
  const one = all.filter((p) => p.orders.length === 1).sort((a, b) => size(a) - size(b))[0];
  const orders = all.flatMap((p) => p.orders);
  if (!one || orders.length === 0) throw new Error('the sample payments lost their single-order payments');
  const twenty: Payment = {
    ...one,
    orders: Array.from({ length: 20 }, (_, i) => ({
      ...(orders[i % orders.length] as Payment['orders'][number]),
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

import * as v from 'valibot';

/**
 * Customs' knowledge of payments, read from a `ceb-grab load` file (one payment per line): only
 * payTransactionId and the orderNos matter here; the product validates the rest when it loads.
 */
const Line = v.looseObject({
  payTransactionId: v.pipe(v.string(), v.minLength(1)),
  orders: v.pipe(v.array(v.looseObject({ orderNo: v.pipe(v.string(), v.minLength(1)) })), v.minLength(1)),
});

export interface DeclaredPayment {
  readonly payTransactionId: string;
  readonly orderNos: readonly string[];
}

export function readPaymentsFile(text: string): {
  payments: DeclaredPayment[];
  skipped: { line: number; why: string }[];
} {
  const payments: DeclaredPayment[] = [];
  const skipped: { line: number; why: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      skipped.push({ line: i + 1, why: 'not JSON' });
      return;
    }
    const r = v.safeParse(Line, json);
    if (r.success)
      payments.push({
        payTransactionId: r.output.payTransactionId,
        orderNos: r.output.orders.map((o) => o.orderNo),
      });
    else skipped.push({ line: i + 1, why: 'needs payTransactionId and orders[].orderNo' });
  });
  return { payments, skipped };
}

import * as v from 'valibot';
import { ValidationError } from '../errors.ts';
import { PAYMENT_MAX_BYTES } from '../settings.ts';
import { utf8Bytes } from './bounded-text.ts';
import { optionalText, orderLine, paymentFields } from './field-rules.ts';
import { toFieldIssues } from './issues.ts';

/**
 * A payment as the platform loads it (one JSON object per line of a load file) and as it is
 * stored: one payment transaction and every order it paid for.
 */
export const PaymentSchema = v.pipe(
  // Strict: a misspelled optional field (payTpye) is an error, not silently dropped.
  v.strictObject({
    ...paymentFields,
    orders: v.pipe(
      v.array(
        v.object({
          ...orderLine.entries,
          // Not uploaded: the inventory's copNo (and waybill) link customs' inventory receipts
          // (CEB622, which carry no orderNo) to this order (docs/clearance-callbacks.md).
          copNo: optionalText(60),
          logisticsNo: optionalText(60),
        }),
        'must be a list',
      ),
      v.minLength(1, 'must hold at least one order'),
      // One DynamoDB transaction writes the payment's orders together.
      v.maxLength(99, 'at most 99 orders in one payment'),
    ),
  }),
  v.forward(
    v.check(
      (p) => new Set(p.orders.map((o) => o.orderNo)).size === p.orders.length,
      'an orderNo appears twice in this payment',
    ),
    ['orders'],
  ),
  // Its signed upload is kept on each grab session, which must stay under DynamoDB's item limit.
  v.check(
    (p) => utf8Bytes(JSON.stringify(p)) <= PAYMENT_MAX_BYTES,
    `the payment is larger than ${PAYMENT_MAX_BYTES / 1024} KB: its upload would not fit a grab session`,
  ),
);

export type Payment = v.InferOutput<typeof PaymentSchema>;

export function parsePayment(input: unknown): Payment {
  const result = v.safeParse(PaymentSchema, input);
  if (result.success) return result.output;
  const issues = toFieldIssues(result.issues);
  throw new ValidationError(
    `invalid payment: ${issues.map((i) => `${i.path}: ${i.rule}`).join('; ')}`,
    issues,
  );
}

/** Stable identity of a payment: the payment company and its transaction number. */
export const paymentKeyOf = (p: Pick<Payment, 'payCode' | 'payTransactionId'>): string =>
  `${p.payCode}#${p.payTransactionId}`;

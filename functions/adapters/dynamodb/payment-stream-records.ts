import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as v from 'valibot';
import { type Payment, PaymentSchema } from '#core/protocol/payment.ts';
import { orderItemKey } from './payment-store.ts';

/** An order item of the Payments table that a write created or changed, with the payment it holds now. */
export interface ChangedOrder {
  readonly orderNo: string;
  readonly payment: Payment;
}

const ORDER_PREFIX = orderItemKey('');

const OrderImage = v.object({ pk: v.string(), contentHash: v.optional(v.string()), payment: PaymentSchema });

/**
 * What a Payments stream record (NEW_AND_OLD_IMAGES) means for grabs: an ORDER# item inserted, or
 * modified with other content, is a payment that may have grabs waiting. Deletions, the PAYMENT# head
 * items and rewrites of identical content mean nothing. A writer that skips contentHash (a direct
 * PutItem by the platform) is compared by the payment it holds.
 */
export function changedOrderOf(record: DynamoDBRecord): ChangedOrder | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const image = record.dynamodb?.NewImage;
  if (!image) return undefined;
  // aws-lambda's AttributeValue and the SDK's describe the same JSON.
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (typeof item.pk !== 'string' || !item.pk.startsWith(ORDER_PREFIX)) return undefined;
  const parsed = v.safeParse(OrderImage, item);
  if (!parsed.success) {
    throw new Error(`payment item ${item.pk} is not a payment: ${parsed.issues[0]?.message ?? 'unreadable'}`);
  }
  const orderNo = item.pk.slice(ORDER_PREFIX.length);
  const old = record.dynamodb?.OldImage;
  if (old) {
    const before = unmarshall(old as Record<string, AttributeValue>);
    const same =
      parsed.output.contentHash !== undefined
        ? before.contentHash === parsed.output.contentHash
        : JSON.stringify(before.payment) === JSON.stringify(item.payment);
    if (same) return undefined;
  }
  return { orderNo, payment: parsed.output.payment };
}

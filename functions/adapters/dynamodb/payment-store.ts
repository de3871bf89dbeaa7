import { createHash } from 'node:crypto';
import { type DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import pRetry from 'p-retry';
import * as v from 'valibot';
import { CebGrabError, type FieldIssue, ValidationError } from '#core/errors.ts';
import { type Clock, type PaymentStore, type PutPaymentResult, systemClock } from '#core/ports.ts';
import { describeIssues, toFieldIssues } from '#core/protocol/issues.ts';
import { type Payment, PaymentSchema, paymentKeyOf } from '#core/protocol/payment.ts';
import { paymentExpiresAt } from '#core/retention.ts';
import { RETENTION_DAYS } from '#core/settings.ts';

/**
 * Payments in DynamoDB (partition key `pk` only).
 *
 * - `ORDER#<orderNo>`: one item per order holding the whole payment (`payment`, with all its orders),
 *   so the worker finds everything to upload with ONE GetItem and no scan.
 * - `PAYMENT#<payCode>#<payTransactionId>`: the payment's own small item (`orderNos`, `contentHash`). It
 *   remembers which orders the stored version had, so an update that drops orders can delete them even
 *   when it shares no order with the old version, and its hash is the optimistic lock that keeps two
 *   loads of different versions of one payment from interleaving.
 *
 * A payment and all its orders are written by one TransactWriteItems, so a reader never sees half a
 * payment, and an orderNo never silently moves from one payment to another. Every item carries
 * `expiresAt` (the table's TTL): the payment's tradingTime plus the retention (core/retention.ts). It
 * derives from the content, so a payment stored again unchanged is still not rewritten.
 */

/** Thrown when DynamoDB kept pushing back (unprocessed keys, write races) after our retries. */
export class PaymentStoreBusyError extends CebGrabError {
  readonly retryable = true;
}

/** DynamoDB's limits: 100 actions and 4 MB per transaction, 400 KB per item. */
const MAX_TRANSACTION_ACTIONS = 100;
const MAX_TRANSACTION_BYTES = 4_000_000;
const MAX_ITEM_BYTES = 400_000;

export const orderItemKey = (orderNo: string): string => `ORDER#${orderNo}`;
export const paymentItemKey = (paymentKey: string): string => `PAYMENT#${paymentKey}`;

/** sha256 of the payment as canonical JSON (sorted keys, no undefined), so key order never matters. */
export function contentHashOf(payment: Payment): string {
  return createHash('sha256').update(canonicalJson(payment)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Rows as read back (valibot at every boundary). */
const OrderRowSchema = v.object({
  pk: v.string(),
  paymentKey: v.string(),
  contentHash: v.string(),
  loadedAt: v.number(),
  payment: PaymentSchema,
});

/** What `put` reads of the existing items: keys and hashes, never the payload. */
const RowHeadSchema = v.object({
  pk: v.string(),
  paymentKey: v.string(),
  contentHash: v.string(),
  orderNos: v.optional(v.array(v.string())),
});
type RowHead = v.InferOutput<typeof RowHeadSchema>;

class UnprocessedKeys extends Error {}

interface OrderLookup {
  resolve(item: Record<string, unknown> | undefined): void;
  reject(error: unknown): void;
}

/** BatchGetItem takes at most 100 keys. */
const MAX_BATCH_GET_KEYS = 100;

export interface DynamoPaymentStoreOptions {
  readonly clock?: Clock;
  /** Attempts of the read-then-write cycle when a concurrent writer got in between. */
  readonly writeAttempts?: number;
  /** Days a payment is kept after its tradingTime (the stage's RETENTION_DAYS). */
  readonly retentionDays?: number;
}

export class DynamoPaymentStore implements PaymentStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly clock: Clock;
  private readonly writeAttempts: number;
  private readonly retentionDays: number;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoPaymentStoreOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.clock = options.clock ?? systemClock;
    this.writeAttempts = options.writeAttempts ?? 4;
    this.retentionDays = options.retentionDays ?? RETENTION_DAYS;
  }

  /**
   * Lookups made in the same turn of the event loop (the records of one SQS batch, which the worker
   * handles together) are read with one BatchGetItem instead of a GetItem each. Strongly consistent
   * either way: a grab replayed right after a load must see the payment just written.
   */
  async findByOrder(orderNo: string): Promise<Payment | undefined> {
    const item = await new Promise<Record<string, unknown> | undefined>((resolve, reject) => {
      if (!this.lookups) {
        const lookups = new Map<string, OrderLookup[]>();
        this.lookups = lookups;
        setImmediate(() => {
          this.lookups = undefined;
          void this.readOrders(lookups);
        });
      }
      const waiting = this.lookups.get(orderNo) ?? [];
      waiting.push({ resolve, reject });
      this.lookups.set(orderNo, waiting);
    });
    return item === undefined ? undefined : this.paymentOf(orderNo, item);
  }

  private lookups: Map<string, OrderLookup[]> | undefined;

  /** Read the ORDER# items of `lookups` and settle each lookup with its item (undefined when absent). */
  private async readOrders(lookups: Map<string, OrderLookup[]>): Promise<void> {
    const settle = (orderNo: string, f: (l: OrderLookup) => void) => {
      for (const l of lookups.get(orderNo) ?? []) f(l);
    };
    const orderNos = [...lookups.keys()];
    if (orderNos.length === 1) {
      const orderNo = orderNos[0] as string;
      try {
        const out = await this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { pk: orderItemKey(orderNo) },
            ConsistentRead: true,
          }),
        );
        settle(orderNo, (l) => l.resolve(out.Item));
      } catch (error) {
        settle(orderNo, (l) => l.reject(error));
      }
      return;
    }
    for (let i = 0; i < orderNos.length; i += MAX_BATCH_GET_KEYS) {
      const chunk = orderNos.slice(i, i + MAX_BATCH_GET_KEYS);
      try {
        const found = await this.batchGet(chunk.map(orderItemKey));
        for (const orderNo of chunk) settle(orderNo, (l) => l.resolve(found.get(orderItemKey(orderNo))));
      } catch (error) {
        for (const orderNo of chunk) settle(orderNo, (l) => l.reject(error));
      }
    }
  }

  /** Items by pk (whole, or the projected attributes), strongly consistent, retrying what DynamoDB leaves unprocessed. */
  private async batchGet(
    pks: readonly string[],
    projection?: string,
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    let pending: Record<string, unknown>[] = pks.map((pk) => ({ pk }));
    const readBatch = async () => {
      const out = await this.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ...(projection ? { ProjectionExpression: projection } : {}),
            },
          },
        }),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) found.set(String(item.pk), item);
      pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (pending.length > 0) throw new UnprocessedKeys(`${pending.length} keys left unprocessed`);
    };
    try {
      await pRetry(readBatch, {
        retries: 8,
        minTimeout: 25,
        maxTimeout: 1000,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof UnprocessedKeys,
      });
    } catch (error) {
      if (error instanceof UnprocessedKeys) {
        throw new PaymentStoreBusyError(
          `DynamoDB left ${pending.length} keys unread after retries; try again`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    return found;
  }

  private paymentOf(orderNo: string, item: Record<string, unknown>): Payment {
    const row = v.safeParse(OrderRowSchema, item);
    if (!row.success) {
      const issues = toFieldIssues(row.issues);
      throw new ValidationError(
        `the stored payment of order ${orderNo} is unreadable: ${describeIssues(issues)}`,
        issues,
      );
    }
    if (!row.output.payment.orders.some((o) => o.orderNo === orderNo)) {
      throw new ValidationError(
        `the stored payment ${row.output.paymentKey} under order ${orderNo} does not list that order`,
      );
    }
    return row.output.payment;
  }

  async put(payment: Payment): Promise<PutPaymentResult> {
    return pRetry(() => this.putOnce(payment), {
      retries: this.writeAttempts - 1,
      minTimeout: 20,
      maxTimeout: 500,
      randomize: true,
      shouldRetry: ({ error }) => isWriteRace(error),
    }).catch((error: unknown) => {
      if (isWriteRace(error)) {
        throw new PaymentStoreBusyError(
          `payment ${paymentKeyOf(payment)} kept changing under concurrent writers; try again`,
          { cause: error },
        );
      }
      throw error;
    });
  }

  /** One read-compare-write cycle; a TransactionCanceledException means someone wrote in between. */
  private async putOnce(payment: Payment): Promise<PutPaymentResult> {
    const paymentKey = paymentKeyOf(payment);
    const contentHash = contentHashOf(payment);
    const orderNos = payment.orders.map((o) => o.orderNo);

    const rows = await this.readHeads([paymentItemKey(paymentKey), ...orderNos.map(orderItemKey)]);
    const stored = rows.get(paymentItemKey(paymentKey));

    const conflicts: FieldIssue[] = [];
    payment.orders.forEach((o, i) => {
      const row = rows.get(orderItemKey(o.orderNo));
      if (row && row.paymentKey !== paymentKey) {
        conflicts.push({
          path: `orders[${i}].orderNo`,
          rule: `order ${o.orderNo} already belongs to payment ${row.paymentKey} (payCode#payTransactionId); an order cannot move to another payment`,
        });
      }
    });
    if (conflicts.length > 0) {
      throw new ValidationError(
        `payment ${paymentKey} claims orders of another payment: ${describeIssues(conflicts)}`,
        conflicts,
      );
    }

    const unchanged =
      stored?.contentHash === contentHash &&
      orderNos.every((n) => rows.get(orderItemKey(n))?.contentHash === contentHash);
    if (unchanged) return 'unchanged';

    // Orders the stored version had and this one drops: delete those that still point at this payment.
    const kept = new Set(orderNos);
    const dropped = (stored?.orderNos ?? []).filter((n) => !kept.has(n));
    const droppedRows = dropped.length > 0 ? await this.readHeads(dropped.map(orderItemKey)) : new Map();
    const toDelete = dropped.filter((n) => droppedRows.get(orderItemKey(n))?.paymentKey === paymentKey);

    const loadedAt = this.clock.now();
    const expiresAt = paymentExpiresAt(payment, this.retentionDays);
    const orderItem = (orderNo: string) => ({
      pk: orderItemKey(orderNo),
      paymentKey,
      contentHash,
      loadedAt,
      expiresAt,
      payment,
    });
    checkSizes(payment, orderItem(orderNos[0] ?? ''), toDelete.length);

    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.tableName,
          Item: { pk: paymentItemKey(paymentKey), paymentKey, contentHash, loadedAt, expiresAt, orderNos },
          // The optimistic lock: the payment is still the version we compared against.
          ...(stored
            ? {
                ConditionExpression: 'contentHash = :seen',
                ExpressionAttributeValues: { ':seen': stored.contentHash },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
      ...orderNos.map((orderNo) => ({
        Put: {
          TableName: this.tableName,
          Item: orderItem(orderNo),
          ConditionExpression: 'attribute_not_exists(pk) OR paymentKey = :paymentKey',
          ExpressionAttributeValues: { ':paymentKey': paymentKey },
        },
      })),
      ...toDelete.map((orderNo) => ({
        Delete: {
          TableName: this.tableName,
          Key: { pk: orderItemKey(orderNo) },
          ConditionExpression: 'paymentKey = :paymentKey',
          ExpressionAttributeValues: { ':paymentKey': paymentKey },
        },
      })),
    ];
    // A lost race (TransactionCanceledException) sends `put` round again; the SDK already retried
    // throttling and transport errors, so those surface as they are.
    await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    return stored ? 'updated' : 'created';
  }

  /** The keys and hashes of these items (≤ 100 keys). */
  private async readHeads(pks: readonly string[]): Promise<Map<string, RowHead>> {
    const found = new Map<string, RowHead>();
    for (const item of (await this.batchGet(pks, 'pk, paymentKey, contentHash, orderNos')).values()) {
      const row = v.safeParse(RowHeadSchema, item);
      if (!row.success) {
        const issues = toFieldIssues(row.issues);
        throw new ValidationError(
          `stored item ${String(item.pk)} is unreadable: ${describeIssues(issues)}`,
          issues,
        );
      }
      found.set(row.output.pk, row.output);
    }
    return found;
  }
}

/** A transaction cancelled only because a condition failed or another transaction held an item. */
function isWriteRace(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  return (
    codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict') &&
    codes.every((c) => c === 'None' || c === 'ConditionalCheckFailed' || c === 'TransactionConflict')
  );
}

/**
 * Every order item holds the whole payment, so a payment with many orders and long texts can outgrow
 * DynamoDB's item and transaction limits. Say so plainly instead of failing inside the transaction.
 * The JSON byte length over-estimates DynamoDB's own size count slightly, which is the safe side.
 */
function checkSizes(payment: Payment, sampleOrderItem: object, deletes: number): void {
  const actions = 1 + payment.orders.length + deletes;
  if (actions > MAX_TRANSACTION_ACTIONS) {
    throw new ValidationError('payment changes too many orders at once', [
      {
        path: 'orders',
        rule: `this update writes ${payment.orders.length} orders and removes ${deletes}; one transaction holds at most ${MAX_TRANSACTION_ACTIONS - 1} — load it in two steps`,
      },
    ]);
  }
  const itemBytes = Buffer.byteLength(JSON.stringify(sampleOrderItem));
  if (itemBytes > MAX_ITEM_BYTES) {
    throw new ValidationError('payment too large to store', [
      {
        path: '(root)',
        rule: `payment is about ${kb(itemBytes)} KB; it must stay under ${kb(MAX_ITEM_BYTES)} KB`,
      },
    ]);
  }
  if (itemBytes * payment.orders.length > MAX_TRANSACTION_BYTES) {
    throw new ValidationError('payment too large to store', [
      {
        path: 'orders',
        rule: `${payment.orders.length} orders × ${kb(itemBytes)} KB each exceed the ${kb(MAX_TRANSACTION_BYTES)} KB one load may write`,
      },
    ]);
  }
}

const kb = (bytes: number): number => Math.ceil(bytes / 1000);

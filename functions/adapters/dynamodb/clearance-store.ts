import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { type RecordedEvent, RecordedEventSchema } from '#core/clearance/event.ts';
import type { InventoryLink } from '#core/clearance/inventory-link.ts';
import type { ClearanceStore, LinkOutcome, UnlinkedReceipts } from '#core/clearance/ports.ts';
import { REPLAY_MARKER_KEY_PREFIX } from '#core/settings.ts';

/**
 * The clearance table (pk, sk, TTL attribute `expiresAt`). Every item is written once by a conditional
 * put (a repeat is a no-op) and never updated: append-only.
 * - an order's events: pk `ORDER#<orderNo>`, sk `EVENT#<partner>#<dedupeKey>`. The partner is part of
 *   the key, so one partner's idempotent key never suppresses another's event;
 * - an inventory's receipts (CEB622): pk `COP#<copNo>`, sk `EVENT#<partner>#<dedupeKey>`, filed under
 *   copNo whether or not its order is known yet, so a link arriving later needs no move;
 * - the link copNo -> orderNo: `COP#<copNo>`/`LINK` (orderNo, source), and `ORDER#<orderNo>`/`LINK#<copNo>`
 *   so an order's timeline finds its inventories; the first link of a copNo stands;
 * - customs' inventory number: `INVT#<invtNo>`/`COP` (copNo), written when a receipt carries both;
 * - seen callback signatures: pk `SIG#<partner>#<signature>`, sk `SIG`, expiring with `expiresAt`
 *   minutes later (a replay is refused as stale after that).
 * Every other item expires with its order's retention: `expiresAt` as the use case computed it
 * (core/retention.ts: the order's payment's expiry, else the receipt's time plus the retention).
 */
export class DynamoClearanceStore implements ClearanceStore, UnlinkedReceipts {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async append(event: RecordedEvent, expiresAt: number): Promise<'appended' | 'duplicate'> {
    const pk = eventPartition(event);
    const { copNo, invtNo } = event.refs;
    // customs' own inventory number, once assigned, finds the inventory too (`ceb-grab status <invtNo>`).
    if (event.source === 'CEB622' && copNo !== undefined && invtNo !== undefined) {
      await this.putOnce({ pk: invtKey(invtNo), sk: 'COP', copNo, expiresAt });
    }
    return (await this.putOnce({ pk, sk: `EVENT#${event.partner}#${event.dedupeKey}`, ...event, expiresAt }))
      ? 'appended'
      : 'duplicate';
  }

  async link(
    link: InventoryLink & { partner: string; linkedAt: number },
    expiresAt: number,
  ): Promise<LinkOutcome> {
    const orderSide = { pk: orderKey(link.orderNo), sk: `LINK#${link.copNo}`, copNo: link.copNo, expiresAt };
    if (await this.putOnce({ pk: copKey(link.copNo), sk: 'LINK', ...link, expiresAt })) {
      await this.putOnce(orderSide);
      return { outcome: 'linked', orderNo: link.orderNo };
    }
    const orderNo = await this.orderOf(link.copNo);
    // The order's side may be missing if a first attempt failed between the two writes.
    if (orderNo === link.orderNo) await this.putOnce(orderSide);
    return { outcome: 'already', orderNo: orderNo ?? link.orderNo };
  }

  async orderOf(copNoOrInvtNo: string): Promise<string | undefined> {
    const orderNo = (await this.query(copKey(copNoOrInvtNo), 'LINK'))[0]?.orderNo;
    if (typeof orderNo === 'string') return orderNo;
    const copNo = (await this.query(invtKey(copNoOrInvtNo), 'COP'))[0]?.copNo;
    if (typeof copNo !== 'string' || copNo === copNoOrInvtNo) return undefined;
    const viaInvt = (await this.query(copKey(copNo), 'LINK'))[0]?.orderNo;
    return typeof viaInvt === 'string' ? viaInvt : undefined;
  }

  async timeline(orderNo: string): Promise<RecordedEvent[]> {
    const items = await this.query(orderKey(orderNo));
    const events = items.filter((i) => String(i.sk).startsWith('EVENT#'));
    const copNos = items.filter((i) => String(i.sk).startsWith('LINK#')).map((i) => String(i.copNo));
    for (const copNo of copNos) events.push(...(await this.query(copKey(copNo), 'EVENT#')));
    return events.map((item) => v.parse(RecordedEventSchema, item));
  }

  async unlinked(): Promise<{ copNo: string; events: RecordedEvent[] }[]> {
    // An operator's question, asked rarely: a scan of the inventory partitions.
    const byCop = new Map<string, { linked: boolean; events: RecordedEvent[] }>();
    const pages = paginateScan(
      { client: this.doc },
      {
        TableName: this.tableName,
        FilterExpression: 'begins_with(pk, :cop)',
        ExpressionAttributeValues: { ':cop': 'COP#' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const copNo = String(item.pk).slice('COP#'.length);
        const entry = byCop.get(copNo) ?? { linked: false, events: [] };
        if (item.sk === 'LINK') entry.linked = true;
        else entry.events.push(v.parse(RecordedEventSchema, item));
        byCop.set(copNo, entry);
      }
    }
    return [...byCop]
      .filter(([, e]) => !e.linked && e.events.length > 0)
      .map(([copNo, e]) => ({ copNo, events: e.events }))
      .sort((a, b) => a.copNo.localeCompare(b.copNo));
  }

  async claimSignature(partner: string, signature: string, expiresAt: number): Promise<boolean> {
    // TTL is in seconds; a minute more, as TTL deletes late but a clock may run a little early.
    return this.putOnce({ ...signatureKey(partner, signature), expiresAt: Math.ceil(expiresAt / 1000) + 60 });
  }

  async releaseSignature(partner: string, signature: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: signatureKey(partner, signature) }),
    );
  }

  /** Put an item unless one with its key is there; false when it was. */
  private async putOnce(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  private async query(pk: string, skPrefix?: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: skPrefix === undefined ? { ':pk': pk } : { ':pk': pk, ':sk': skPrefix },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) out.push(...(page.Items ?? []));
    return out;
  }
}

/** An inventory receipt is filed under its copNo; anything else under its order. */
function eventPartition(event: RecordedEvent): string {
  if (event.source === 'CEB622' && event.refs.copNo !== undefined) return copKey(event.refs.copNo);
  if (event.orderNo === undefined)
    throw new Error(`event ${event.dedupeKey} names neither an order nor a copNo`);
  return orderKey(event.orderNo);
}

const orderKey = (orderNo: string) => `ORDER#${orderNo}`;
const copKey = (copNo: string) => `COP#${copNo}`;
const invtKey = (invtNo: string) => `INVT#${invtNo}`;
const signatureKey = (partner: string, signature: string) => ({
  pk: `${REPLAY_MARKER_KEY_PREFIX}${partner}#${signature}`,
  sk: 'SIG',
});

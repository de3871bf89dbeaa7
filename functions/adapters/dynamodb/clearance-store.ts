import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { type RecordedEvent, RecordedEventSchema } from '#core/clearance/event.ts';
import type { ClearanceStore } from '#core/clearance/ports.ts';
import { REPLAY_MARKER_KEY_PREFIX } from '#core/settings.ts';

/**
 * The clearance table (pk, sk, TTL attribute `expiresAt`), one table for two kinds of item:
 * - an order's timeline: pk `ORDER#<orderNo>`, sk `EVENT#<partner>#<dedupeKey>`, one item per event,
 *   written once by a conditional put (a repeat is a no-op) and never updated: append-only. The
 *   partner is part of the key, so one partner's idempotent key never suppresses another's event;
 * - seen callback signatures: pk `SIG#<partner>#<signature>`, sk `SIG`, expiring with `expiresAt`.
 */
export class DynamoClearanceStore implements ClearanceStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async append(event: RecordedEvent): Promise<'appended' | 'duplicate'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: orderKey(event.orderNo), sk: `EVENT#${event.partner}#${event.dedupeKey}`, ...event },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'appended';
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return 'duplicate';
      throw e;
    }
  }

  async timeline(orderNo: string): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
        ExpressionAttributeValues: { ':pk': orderKey(orderNo), ':event': 'EVENT#' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const item of page.Items ?? []) out.push(v.parse(RecordedEventSchema, item));
    return out;
  }

  async claimSignature(partner: string, signature: string, expiresAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          // TTL is in seconds; a minute more, as TTL deletes late but a clock may run a little early.
          Item: { ...signatureKey(partner, signature), expiresAt: Math.ceil(expiresAt / 1000) + 60 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async releaseSignature(partner: string, signature: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: signatureKey(partner, signature) }),
    );
  }
}

const orderKey = (orderNo: string) => `ORDER#${orderNo}`;
const signatureKey = (partner: string, signature: string) => ({
  pk: `${REPLAY_MARKER_KEY_PREFIX}${partner}#${signature}`,
  sk: 'SIG',
});

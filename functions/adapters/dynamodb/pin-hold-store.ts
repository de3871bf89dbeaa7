import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { PinHold, PinHoldStore } from '#adapters/signers/pin-guard.ts';

/**
 * The PIN guard's holds, shared by a worker's containers, as items of the certificates table
 * (its key `ebpCode` is `#pin-hold#<signer>`, which no ebpCode can be): the registry skips them.
 * Read only while a container holds, written when a hold begins, a probe is claimed or it ends.
 */
export const PIN_HOLD_PREFIX = '#pin-hold#';

const HoldSchema = v.object({
  heldAt: v.number(),
  reason: v.string(),
  clearedAt: v.optional(v.number()),
  probedAt: v.optional(v.number()),
});

export class DynamoPinHoldStore implements PinHoldStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  private key = (signerId: string) => ({ ebpCode: `${PIN_HOLD_PREFIX}${signerId}` });

  async get(signerId: string): Promise<PinHold | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(signerId), ConsistentRead: true }),
    );
    const parsed = v.safeParse(HoldSchema, out.Item);
    return parsed.success ? parsed.output : undefined;
  }

  async hold(signerId: string, heldAt: number, reason: string, afterProbe: boolean): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(signerId),
        UpdateExpression: afterProbe
          ? 'SET heldAt = :at, reason = :reason, probedAt = :at REMOVE clearedAt'
          : 'SET heldAt = :at, reason = :reason REMOVE clearedAt, probedAt',
        ExpressionAttributeValues: { ':at': heldAt, ':reason': reason },
      }),
    );
  }

  async claimProbe(signerId: string, hold: PinHold, at: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(signerId),
          UpdateExpression: 'SET probedAt = :at',
          ConditionExpression: 'heldAt = :heldAt AND attribute_not_exists(probedAt)',
          ExpressionAttributeValues: { ':at': at, ':heldAt': hold.heldAt },
        }),
      );
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }

  async release(signerId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(signerId) }));
  }

  async clear(signerId: string, at: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(signerId),
          UpdateExpression: 'SET clearedAt = :at REMOVE probedAt',
          ConditionExpression: 'attribute_exists(heldAt)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (e) {
      if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
    }
  }

  /** Every signer held now, with its hold (for `ceb-grab signer-reset`). */
  async list(): Promise<{ signerId: string; hold: PinHold }[]> {
    const out: { signerId: string; hold: PinHold }[] = [];
    for await (const page of paginateScan(
      { client: this.doc },
      {
        TableName: this.tableName,
        FilterExpression: 'begins_with(ebpCode, :prefix)',
        ExpressionAttributeValues: { ':prefix': PIN_HOLD_PREFIX },
      },
    )) {
      for (const item of page.Items ?? []) {
        const hold = v.safeParse(HoldSchema, item);
        if (hold.success) {
          out.push({ signerId: String(item.ebpCode).slice(PIN_HOLD_PREFIX.length), hold: hold.output });
        }
      }
    }
    return out;
  }
}

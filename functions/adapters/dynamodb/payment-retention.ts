import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { PaymentRetention } from '#core/clearance/ports.ts';
import { orderItemKey } from './payment-store.ts';

/**
 * An order's payment as its retention needs it: the expiry its store wrote, and its tradingTime (for an
 * item stored before it carried one). One GetItem of two attributes, so the clearance callback's bundle
 * holds no payment store.
 */
export class DynamoPaymentRetention implements PaymentRetention {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async paymentOf(orderNo: string): Promise<{ expiresAt?: number; tradingTime: string } | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: orderItemKey(orderNo) } },
        ProjectionExpression: '#e, #p.#t',
        ExpressionAttributeNames: { '#e': 'expiresAt', '#p': 'payment', '#t': 'tradingTime' },
        ConsistentRead: true,
      }),
    );
    const tradingTime = out.Item?.payment?.M?.tradingTime?.S;
    if (tradingTime === undefined) return undefined;
    const expiresAt = Number(out.Item?.expiresAt?.N);
    return Number.isFinite(expiresAt) && expiresAt > 0 ? { expiresAt, tradingTime } : { tradingTime };
  }
}

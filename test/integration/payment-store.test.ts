import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoPaymentRetention } from '#adapters/dynamodb/payment-retention.ts';
import { DynamoPaymentStore, orderItemKey, paymentItemKey } from '#adapters/dynamodb/payment-store.ts';
import { ValidationError } from '#core/errors.ts';
import type { Clock } from '#core/ports.ts';
import { type Payment, paymentKeyOf } from '#core/protocol/payment.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';
import { makePayment } from '#test/helpers/payments.ts';

/** The DynamoDB payment store against a real moto_server over HTTP. */

let aws: LocalAws;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let table: string;
let clock: Clock & { t: number };
let store: DynamoPaymentStore;

before(async () => {
  aws = await startLocalAws();
  client = new DynamoDBClient({});
  doc = DynamoDBDocumentClient.from(client);
});
after(async () => {
  client?.destroy();
  await aws?.stop();
});
beforeEach(async () => {
  table = (await aws.fresh()).paymentsTable;
  clock = { t: 1_780_000_000_000, now: () => clock.t++ };
  store = new DynamoPaymentStore(client, table, { clock });
});

const allItems = async () => (await doc.send(new ScanCommand({ TableName: table }))).Items ?? [];
const rawItem = async (pk: string) =>
  (await doc.send(new GetCommand({ TableName: table, Key: { pk } }))).Item;

/** A payment with CJK text, an empty recpCode (foreign seller) and no payType. */
function foreignSellerPayment(): Payment {
  const { payType: _omit, ...rest } = makePayment({ payTransactionId: '2026112222001499990500000001' }, [
    'SO-F-1',
  ]);
  return {
    ...rest,
    currency: '502',
    totalAmount: 59.99,
    orders: rest.orders.map((o) => ({ ...o, recpCode: '', recpName: 'Kiwi Health Ltd 新西兰健康' })),
  };
}

describe('DynamoPaymentStore', () => {
  it('stores a payment and finds it again from its order, exactly as loaded', async () => {
    const payment = foreignSellerPayment();

    assert.equal(await store.put(payment), 'created');

    assert.deepEqual(await store.findByOrder('SO-F-1'), payment);
    assert.equal(await store.findByOrder('SO-NOBODY'), undefined);
  });

  it('finds a multi-order payment, with all its orders, from each of them', async () => {
    const payment = makePayment({ payTransactionId: 'TX-MULTI-1' }, ['SO-M-1', 'SO-M-2', 'SO-M-3']);
    await store.put(payment);

    for (const orderNo of ['SO-M-1', 'SO-M-2', 'SO-M-3']) {
      const found = await store.findByOrder(orderNo);
      assert.deepEqual(
        found?.orders.map((o) => o.orderNo),
        ['SO-M-1', 'SO-M-2', 'SO-M-3'],
        `from ${orderNo}`,
      );
      assert.equal(found?.payTransactionId, 'TX-MULTI-1');
    }
  });

  it('does not rewrite a payment identical to the stored one', async () => {
    const payment = makePayment({ payTransactionId: 'TX-SAME' }, ['SO-S-1', 'SO-S-2']);
    await store.put(payment);
    const before = await allItems();

    // Same content, keys in another order: still the same payment.
    const reversed = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const reordered = reversed({ ...payment, orders: payment.orders.map(reversed) });
    assert.equal(await store.put(reordered), 'unchanged');
    assert.equal(await store.put(payment), 'unchanged');

    assert.deepEqual(await allItems(), before, 'no item written again (loadedAt unchanged)');
  });

  it('every item of a payment expires RETENTION_DAYS after its Beijing tradingTime; an unchanged one is left as it was', async () => {
    const payment = makePayment({ payTransactionId: 'TX-TTL', tradingTime: '20261231200000' }, [
      'SO-T-1',
      'SO-T-2',
    ]);
    await store.put(payment);
    // 20:00 Beijing on 31 Dec 2026 is 12:00 UTC; three years (1,096 days) later, 31 Dec 2029
    const expected = Date.UTC(2029, 11, 31, 12, 0, 0) / 1000;
    for (const pk of [
      paymentItemKey(paymentKeyOf(payment)),
      orderItemKey('SO-T-1'),
      orderItemKey('SO-T-2'),
    ]) {
      assert.equal((await rawItem(pk))?.expiresAt, expected, pk);
    }
    assert.equal(await store.put(payment), 'unchanged');
    // a corrected tradingTime moves the expiry with it
    await store.put({ ...payment, tradingTime: '20270102080000' });
    assert.equal((await rawItem(orderItemKey('SO-T-1')))?.expiresAt, Date.UTC(2030, 0, 2, 0, 0, 0) / 1000);
    // a stage's own retention
    const short = new DynamoPaymentStore(client, table, { clock, retentionDays: 30 });
    await short.put(
      makePayment({ payTransactionId: 'TX-TTL-30', tradingTime: '20261231200000' }, ['SO-T-3']),
    );
    assert.equal(
      (await rawItem(orderItemKey('SO-T-3')))?.expiresAt,
      Date.UTC(2026, 11, 31, 12, 0, 0) / 1000 + 30 * 86_400,
    );
  });

  it("tells the clearance callback an order's payment expiry with one small read", async () => {
    const retention = new DynamoPaymentRetention(client, table);
    await store.put(makePayment({ payTransactionId: 'TX-RET', tradingTime: '20261231200000' }, ['SO-R-1']));
    assert.deepEqual(await retention.paymentOf('SO-R-1'), {
      expiresAt: Date.UTC(2029, 11, 31, 12, 0, 0) / 1000,
      tradingTime: '20261231200000',
    });
    assert.equal(await retention.paymentOf('SO-NOBODY'), undefined);
    // the platform's own PutItem, with no expiry: its tradingTime is enough to date it
    const own = makePayment({ payTransactionId: 'TX-OWN', tradingTime: '20260610093000' }, ['SO-R-2']);
    await doc.send(new PutCommand({ TableName: table, Item: { pk: orderItemKey('SO-R-2'), payment: own } }));
    assert.deepEqual(await retention.paymentOf('SO-R-2'), { tradingTime: '20260610093000' });
  });

  it('updates a changed payment and removes the orders it no longer has', async () => {
    await store.put(makePayment({ payTransactionId: 'TX-UPD' }, ['SO-U-1', 'SO-U-2', 'SO-U-3']));

    const corrected = makePayment({ payTransactionId: 'TX-UPD', totalAmount: 99.5 }, ['SO-U-1', 'SO-U-3']);
    assert.equal(await store.put(corrected), 'updated');

    assert.equal(await store.findByOrder('SO-U-2'), undefined, 'dropped order is gone');
    for (const orderNo of ['SO-U-1', 'SO-U-3']) {
      const found = await store.findByOrder(orderNo);
      assert.equal(found?.totalAmount, 99.5);
      assert.deepEqual(
        found?.orders.map((o) => o.orderNo),
        ['SO-U-1', 'SO-U-3'],
      );
    }
    assert.equal((await allItems()).length, 3, 'one payment item and two order items');
  });

  it('removes the old orders even when the new version shares none of them', async () => {
    await store.put(makePayment({ payTransactionId: 'TX-SWAP' }, ['SO-OLD-1', 'SO-OLD-2']));

    assert.equal(await store.put(makePayment({ payTransactionId: 'TX-SWAP' }, ['SO-NEW-1'])), 'updated');

    assert.equal(await store.findByOrder('SO-OLD-1'), undefined);
    assert.equal(await store.findByOrder('SO-OLD-2'), undefined);
    assert.equal((await store.findByOrder('SO-NEW-1'))?.payTransactionId, 'TX-SWAP');
  });

  it('refuses to move an order to another payment, names both, and writes nothing', async () => {
    const first = makePayment({ payTransactionId: 'TX-FIRST' }, ['SO-C-1']);
    await store.put(first);
    const before = await allItems();

    const second = makePayment({ payTransactionId: 'TX-SECOND' }, ['SO-C-2', 'SO-C-1']);
    await assert.rejects(store.put(second), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.retryable, false);
      assert.equal(error.issues[0]?.path, 'orders[1].orderNo');
      assert.match(error.message, /order SO-C-1 already belongs to payment 1537923071#TX-FIRST/);
      return true;
    });

    assert.deepEqual(await allItems(), before, 'nothing of the second payment was written');
    assert.equal((await store.findByOrder('SO-C-1'))?.payTransactionId, 'TX-FIRST');
    assert.equal(await store.findByOrder('SO-C-2'), undefined);
  });

  it('keeps a payment whole when several versions are written at once', async () => {
    const versions = [1, 2, 3].map((n) =>
      makePayment(
        { payTransactionId: 'TX-RACE', totalAmount: n },
        n % 2 ? ['SO-R-1', 'SO-R-2'] : ['SO-R-1', 'SO-R-3'],
      ),
    );

    const results = await Promise.all(versions.map((p) => store.put(p)));

    assert.equal(
      results.filter((r) => r === 'created').length,
      1,
      `one creates, the others update: ${results}`,
    );
    const head = await rawItem(paymentItemKey(paymentKeyOf(versions[0] as Payment)));
    const stored = await store.findByOrder('SO-R-1');
    const winner = versions.find((p) => p.totalAmount === stored?.totalAmount);
    assert.ok(winner, 'the stored payment is one of the versions written');
    const orderItems = (await allItems()).filter((i) => String(i.pk).startsWith('ORDER#'));
    assert.deepEqual(
      orderItems.map((i) => i.pk).sort(),
      winner.orders.map((o) => orderItemKey(o.orderNo)).sort(),
      'exactly the orders of the stored version exist',
    );
    assert.ok(
      orderItems.every((i) => i.contentHash === head?.contentHash),
      'every order item holds the same version',
    );
  });

  it('refuses a stored row that is not a valid payment instead of uploading it', async () => {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: orderItemKey('SO-BAD'),
          paymentKey: 'x#y',
          contentHash: 'h',
          loadedAt: 1,
          payment: { orders: [] },
        },
      }),
    );

    await assert.rejects(store.findByOrder('SO-BAD'), ValidationError);
  });
});

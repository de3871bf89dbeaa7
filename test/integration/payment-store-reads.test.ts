import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { countingDynamoClient } from '#test/helpers/counting-dynamo.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';
import { makePayment } from '#test/helpers/payments.ts';

/** How the worker reads payments (moto over HTTP): a batch's lookups in one request. */

let aws: LocalAws;
const { client, requests } = countingDynamoClient();

before(async () => {
  aws = await startLocalAws();
});
after(async () => {
  client.destroy();
  await aws?.stop();
});

describe('payment lookups of one batch', () => {
  it('are read with one request, each answered with its own payment or nothing', async () => {
    const store = new DynamoPaymentStore(client, (await aws.fresh()).paymentsTable);
    const a = makePayment({}, ['R-A1', 'R-A2']);
    const b = makePayment({}, ['R-B1']);
    await store.put(a);
    await store.put(b);
    requests.length = 0;

    const orderNos = ['R-A1', 'R-B1', 'R-A2', 'R-UNKNOWN', 'R-A1'];
    const found = await Promise.all(orderNos.map((o) => store.findByOrder(o)));
    assert.deepEqual(requests, ['BatchGetItemCommand']);
    assert.deepEqual(
      found.map((p) => p?.payTransactionId),
      [a.payTransactionId, b.payTransactionId, a.payTransactionId, undefined, a.payTransactionId],
    );
    assert.deepEqual(found[1], b);
  });

  it('reads a lone lookup with a GetItem, and the next batch afresh', async () => {
    const store = new DynamoPaymentStore(client, (await aws.fresh()).paymentsTable);
    const a = makePayment({}, ['S-A1']);
    await store.put(a);
    requests.length = 0;
    assert.equal((await store.findByOrder('S-A1'))?.payTransactionId, a.payTransactionId);
    assert.deepEqual(requests, ['GetItemCommand']);
    // A payment loaded after the first batch is seen by the next one (strongly consistent reads).
    const b = makePayment({}, ['S-B1']);
    await store.put(b);
    const [x, y] = await Promise.all([store.findByOrder('S-A1'), store.findByOrder('S-B1')]);
    assert.equal(x?.payTransactionId, a.payTransactionId);
    assert.equal(y?.payTransactionId, b.payTransactionId);
  });

  it('fails every lookup of the batch when the read fails', async () => {
    const store = new DynamoPaymentStore(client, 'no-such-table');
    const results = await Promise.allSettled([store.findByOrder('X-1'), store.findByOrder('X-2')]);
    assert.ok(results.every((r) => r.status === 'rejected'));
  });
});

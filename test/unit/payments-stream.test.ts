import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { changedOrderOf } from '#adapters/dynamodb/payment-stream-records.ts';
import { buildPayExchangeInfo, validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { assemblePayExInfoStr, serializePayExchangeInfo } from '#core/protocol/serialize.ts';
import type { Session } from '#core/session.ts';
import { isUploadOf } from '#core/uploaded-version.ts';
import { replayWaitingGrabs } from '#core/use-cases/replay-waiting-grabs.ts';
import { fixedClock, MemoryQueue, MemorySessionStore } from '#test/helpers/fakes.ts';
import { makePayment } from '#test/helpers/payments.ts';

const image = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

function record(
  eventName: DynamoDBRecord['eventName'],
  next?: Record<string, unknown>,
  old?: Record<string, unknown>,
): DynamoDBRecord {
  return {
    eventName,
    dynamodb: {
      ...(next ? { NewImage: image(next) } : {}),
      ...(old ? { OldImage: image(old) } : {}),
      SequenceNumber: '1',
    },
  };
}

const orderItem = (p: Payment, orderNo: string, contentHash: string) => ({
  pk: `ORDER#${orderNo}`,
  paymentKey: `${p.payCode}#${p.payTransactionId}`,
  contentHash,
  loadedAt: 1,
  payment: p,
});

/** What an upload of this payment kept on its session looks like (signature aside). */
function uploadOf(p: Payment, sessionID: string): string {
  const info = validatePayExchangeInfo(
    buildPayExchangeInfo(p, `${'A'.repeat(8)}-0000-0000-0000-${'B'.repeat(12)}`),
  );
  return assemblePayExInfoStr(serializePayExchangeInfo(sessionID, info, 1_765_000_000_000), {
    certNo: '03000000000cde6f',
    signValue: 'c2lnbmF0dXJl',
  });
}

describe('which Payments stream records may have grabs waiting', () => {
  const p = makePayment({}, ['SR-1', 'SR-2']);

  it('a new order item carries its order and payment', () => {
    assert.deepEqual(changedOrderOf(record('INSERT', orderItem(p, 'SR-2', 'h1'))), {
      orderNo: 'SR-2',
      payment: p,
    });
  });

  it('a modified order item counts only when its content changed', () => {
    assert.equal(
      changedOrderOf(record('MODIFY', orderItem(p, 'SR-1', 'h1'), orderItem(p, 'SR-1', 'h1'))),
      undefined,
    );
    const changed = { ...p, note: 'corrected' };
    assert.equal(
      changedOrderOf(record('MODIFY', orderItem(changed, 'SR-1', 'h2'), orderItem(p, 'SR-1', 'h1')))?.payment
        .note,
      'corrected',
    );
  });

  it('removals and the payment head items mean nothing', () => {
    assert.equal(changedOrderOf(record('REMOVE', undefined, orderItem(p, 'SR-1', 'h1'))), undefined);
    assert.equal(
      changedOrderOf(
        record('INSERT', { pk: 'PAYMENT#x#y', paymentKey: 'x#y', contentHash: 'h', orderNos: ['SR-1'] }),
      ),
      undefined,
    );
  });

  it('an order item that holds no valid payment is an error (the record is retried, not skipped)', () => {
    assert.throws(
      () => changedOrderOf(record('INSERT', { pk: 'ORDER#SR-9', payment: { orders: [] } })),
      /not a payment/,
    );
  });
});

describe('replaying the grabs that waited for a payment', () => {
  it('queues the no-data sessions of the order again, once, and leaves the others', async () => {
    const p = makePayment({}, ['RW-1']);
    const sessions = new MemorySessionStore();
    const queue = new MemoryQueue();
    const clock = fixedClock(1_000);
    await sessions.create({ sessionID: 'S-waiting', orderNo: 'RW-1', receivedAt: 1 });
    await sessions.create({ sessionID: 'S-failed', orderNo: 'RW-1', receivedAt: 2 });
    sessions.rows.set('S-waiting', { ...(sessions.rows.get('S-waiting') as Session), state: 'no-data' });
    sessions.rows.set('S-failed', { ...(sessions.rows.get('S-failed') as Session), state: 'failed' });
    const first = await replayWaitingGrabs(p, { sessions, queue, clock });
    assert.equal(first.replayed, 1);
    assert.deepEqual(
      queue.sent.map((m) => m.sessionID),
      ['S-waiting'],
    );
    assert.equal(sessions.rows.get('S-failed')?.state, 'failed');
    const again = await replayWaitingGrabs(p, { sessions, queue, clock });
    assert.equal(again.replayed, 0, 'a second trigger queues nothing twice');
  });

  it('an uploaded session is never re-sent; it is reported when the payment changed under it', async () => {
    const p = makePayment({}, ['RW-2']);
    const sessions = new MemorySessionStore();
    const queue = new MemoryQueue();
    await sessions.create({ sessionID: 'S-up', orderNo: 'RW-2', receivedAt: 1 });
    const uploaded = {
      ...(sessions.rows.get('S-up') as Session),
      state: 'uploaded' as const,
      payExInfoStr: uploadOf(p, 'S-up'),
    };
    sessions.rows.set('S-up', uploaded);
    const deps = { sessions, queue, clock: fixedClock() };
    assert.deepEqual((await replayWaitingGrabs(p, deps)).outdated, []);
    const changed = { ...p, totalAmount: p.totalAmount + 1 };
    assert.deepEqual((await replayWaitingGrabs(changed, deps)).outdated, [
      { orderNo: 'RW-2', sessionID: 'S-up' },
    ]);
    assert.equal(queue.sent.length, 0);
    assert.equal(sessions.rows.get('S-up')?.state, 'uploaded');
  });

  it('isUploadOf compares what customs received with the payment as it is now', () => {
    const p = makePayment({}, ['RW-3', 'RW-4']);
    assert.equal(isUploadOf({ payExInfoStr: uploadOf(p, 'S') }, p), true);
    assert.equal(isUploadOf({ payExInfoStr: uploadOf(p, 'S') }, { ...p, note: 'x' }), false);
    assert.equal(isUploadOf({}, p), undefined);
  });
});

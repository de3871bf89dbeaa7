import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orderStatus, statusBySessionOrOrder } from '#core/use-cases/order-status.ts';
import { MemoryClearanceStore } from '#test/helpers/clearance.ts';
import { MemoryPaymentStore, MemorySessionStore } from '#test/helpers/fakes.ts';
import { makePayment } from '#test/helpers/payments.ts';

const T = 1_795_300_000_000;

async function setup() {
  const deps = {
    sessions: new MemorySessionStore(),
    payments: new MemoryPaymentStore(),
    clearance: new MemoryClearanceStore(),
  };
  const payment = makePayment({}, ['SO-1', 'SO-2']);
  await deps.payments.put(payment);
  await deps.sessions.create({ sessionID: 's-1', orderNo: 'SO-1', receivedAt: T });
  await deps.sessions.create({ sessionID: 's-2', orderNo: 'SO-1', receivedAt: T + 1 });
  await deps.sessions.recordPrepared('s-1', 0, {
    guid: 'G',
    certNo: 'C',
    payExInfoStr: '{"recpAccount":"6222021234567890"}',
    orderNos: ['SO-1'],
    at: T,
  });
  for (const [status, minutes] of [
    [800, 20],
    [120, 2],
  ] as const) {
    await deps.clearance.append({
      orderNo: 'SO-1',
      source: 'CEB312',
      dedupeKey: `CEB312#G#${status}`,
      returnStatus: status,
      eventAt: T + minutes * 60_000,
      eventTime: 'as sent',
      info: `info ${status}`,
      refs: { guid: 'G' },
      partner: 'broker',
      receivedAt: T + 3_600_000 + status,
    });
  }
  return { deps, payment };
}

describe('the status of an order', () => {
  it('shows the grab sessions, the payment and the clearance timeline with its state', async () => {
    const { deps, payment } = await setup();
    const status = await orderStatus('SO-1', deps);
    assert.ok(status);
    assert.deepEqual(
      status.sessions.map((s) => s.sessionID),
      ['s-1', 's-2'],
    );
    assert.deepEqual(status.payment?.orders, ['SO-1', 'SO-2']);
    assert.equal(status.payment?.payTransactionId, payment.payTransactionId);
    assert.equal(status.clearance.state, 'released');
    assert.equal(status.clearance.current?.code, '800');
    assert.equal(status.clearance.current?.info, 'info 800');
    assert.deepEqual(
      status.clearance.timeline.map((e) => [e.code, e.state, e.applied]),
      [
        ['120', 'accepted', true],
        ['800', 'released', true],
      ],
    );
  });

  it('never shows a bank account in full', async () => {
    const { deps } = await setup();
    const status = await orderStatus('SO-1', deps);
    const shown = JSON.stringify(status);
    assert.doesNotMatch(shown, /6222021234567890/);
    assert.match(shown, /7890/);
  });

  it('answers for a sessionID with that session and its order', async () => {
    const { deps } = await setup();
    const status = await statusBySessionOrOrder('s-2', deps);
    assert.equal(status?.orderNo, 'SO-1');
    assert.deepEqual(
      status?.sessions.map((s) => s.sessionID),
      ['s-2'],
    );
    assert.equal(status?.clearance.state, 'released');
  });

  it('knows an order from its clearance events alone, and nothing of an order never heard of', async () => {
    const { deps } = await setup();
    await deps.clearance.append({
      orderNo: 'ONLY-CLEARED',
      source: 'notice',
      dedupeKey: 'notice#k#1#',
      clearanceStatus: 1,
      eventAt: T,
      refs: {},
      partner: 'broker',
      receivedAt: T,
    });
    const only = await orderStatus('ONLY-CLEARED', deps);
    assert.equal(only?.clearance.state, 'declared');
    assert.deepEqual(only?.sessions, []);
    assert.equal(only?.payment, null);
    assert.equal(await orderStatus('NOBODY', deps), undefined);
  });
});

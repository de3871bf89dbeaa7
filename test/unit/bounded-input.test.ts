import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { boundedText, utf8Bytes } from '#core/protocol/bounded-text.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { parsePayment } from '#core/protocol/payment.ts';
import { CUSTOMS_MESSAGE_MAX_BYTES, PAYMENT_MAX_BYTES, SESSION_ITEM_MAX_BYTES } from '#core/settings.ts';
import { acceptGrab } from '#core/use-cases/accept-grab.ts';
import { uploadSession } from '#core/use-cases/upload-session.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import {
  customsReply,
  fixedClock,
  MemoryPaymentStore,
  MemoryQueue,
  MemorySessionStore,
  ScriptedCustoms,
} from '#test/helpers/fakes.ts';
import { makePayment } from '#test/helpers/payments.ts';

/**
 * What reaches the store is bounded: customs' message (theirs, any length) is cut to 2 KB, a payment
 * whose upload would not fit a session item is refused at load, and a sessionID repeated for another
 * order keeps the first order and is noted.
 */

const signer = new SoftSigner(makeThrowawayCertificate());
const message = { sessionID: 'BOUNDED-1', orderNo: 'SO-T-0002', receivedAt: Date.now() };

async function world(payment: Payment, customs: ScriptedCustoms) {
  const sessions = new MemorySessionStore();
  const payments = new MemoryPaymentStore();
  await payments.put(payment);
  await sessions.create({
    sessionID: message.sessionID,
    orderNo: message.orderNo,
    receivedAt: message.receivedAt,
  });
  const deps = {
    sessions,
    payments,
    signer,
    certificates: new SoftKeyRegistry(signer.certificate),
    customs,
    clock: fixedClock(),
    newGuid: () => '9D55BA71-22DE-41F4-8B50-C36C83B3B530',
    settings: { maxReceives: 5, leaseMs: 20_000, uploadTries: 1, retryMinMs: 1 },
  };
  return { sessions, deps };
}

/** A payment of 99 orders with long goods lists, `targetBytes` of JSON to within a hundred bytes. */
function bigPayment(targetBytes: number): Payment {
  const orderNos = Array.from({ length: 99 }, (_, i) => `SO-T-${String(i + 1).padStart(4, '0')}`);
  const payment = makePayment({}, orderNos);
  const size = () => utf8Bytes(JSON.stringify(payment));
  // CJK item names (3 bytes a character in UTF-8) and long links, spread over the orders
  for (let i = 0; size() < targetBytes - 100; i++) {
    const order = payment.orders[i % payment.orders.length];
    assert.ok(order);
    const room = targetBytes - size() - 100;
    const linkChars = Math.max(1, Math.min(2_900, room - 300));
    order.goodsInfo = [
      ...order.goodsInfo,
      { gname: '面'.repeat(60), itemLink: `https://shop.example.cn/${'x'.repeat(linkChars)}` },
    ];
  }
  return payment;
}

describe('bounded input', () => {
  it("keeps at most 2 KB of customs' message, marked as cut, whatever customs sends", async () => {
    const huge = `数据校验失败: ${'很长的说明'.repeat(40_000)}`; // ~600 KB
    const { sessions, deps } = await world(makePayment(), new ScriptedCustoms([customsReply('20004', huge)]));
    const result = await uploadSession(message, 1, deps);
    assert.equal(result.outcome, 'rejected');
    const kept = (await sessions.get(message.sessionID))?.customsMessage ?? '';
    assert.ok(utf8Bytes(kept) <= CUSTOMS_MESSAGE_MAX_BYTES, `${utf8Bytes(kept)} bytes kept`);
    assert.match(kept, /^数据校验失败: 很长的说明/);
    assert.match(kept, /…\[truncated: \d+ bytes\]$/);
  });

  it('cuts text at a character boundary, never inside a multi-byte character', () => {
    for (let max = 30; max < 60; max++) {
      const cut = boundedText('𠀀一'.repeat(50), max);
      assert.ok(utf8Bytes(cut) <= max);
      assert.doesNotMatch(cut, /\uFFFD|\p{Cs}/u);
    }
    assert.equal(boundedText('short', 2048), 'short');
  });

  it('refuses at load a payment whose upload would not fit a session', () => {
    assert.throws(() => parsePayment(bigPayment(PAYMENT_MAX_BYTES + 20_000)), /larger than 300 KB/);
  });

  it('keeps a session item under 350 KB for the largest payment it takes', async () => {
    const payment = bigPayment(PAYMENT_MAX_BYTES - 2_000);
    parsePayment(payment);
    assert.ok(utf8Bytes(JSON.stringify(payment)) > PAYMENT_MAX_BYTES - 10_000, 'near the limit');
    const { sessions, deps } = await world(
      payment,
      new ScriptedCustoms([customsReply('20000', `数据校验失败 ${'x'.repeat(100_000)}`)]),
    );
    await uploadSession(message, 5, deps);
    const item = await sessions.get(message.sessionID);
    assert.equal(item?.state, 'rejected');
    assert.ok(
      utf8Bytes(JSON.stringify(item)) < SESSION_ITEM_MAX_BYTES,
      `${utf8Bytes(JSON.stringify(item))} bytes`,
    );
  });

  it('keeps the first order of a sessionID customs repeats for another order, answers it, and notes it', async () => {
    const deps = { sessions: new MemorySessionStore(), queue: new MemoryQueue(), clock: fixedClock() };
    const grab = { sessionID: 'S-TWICE', orderNo: 'SO-1' };
    await acceptGrab(grab, deps);
    const again = await acceptGrab({ ...grab, orderNo: 'SO-2' }, deps);
    await acceptGrab({ ...grab, orderNo: 'SO-2' }, deps);
    assert.deepEqual(again, { status: 'duplicate', state: 'queued', orderNoDiffers: true });
    const s = await deps.sessions.get(grab.sessionID);
    assert.equal(s?.orderNo, 'SO-1');
    assert.deepEqual(s?.otherOrderNos, ['SO-2']);
    assert.deepEqual(
      deps.queue.sent.map((m) => m.orderNo),
      ['SO-1'],
      'nothing queued for the other order',
    );
  });
});

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { CustomsUnavailableError } from '#core/errors.ts';
import type { SessionStore } from '#core/ports.ts';
import { RetryLaterError, type UploadDeps, uploadSession } from '#core/use-cases/upload-session.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import {
  customsReply,
  fixedClock,
  MemoryPaymentStore,
  MemorySessionStore,
  ScriptedCustoms,
} from '#test/helpers/fakes.ts';
import { makePayment } from '#test/helpers/payments.ts';

// The first delivery builds and signs before it claims, and stores the payload with the claim: three
// writes a grab (claim with payload, the mark just before the send, outcome), not four.
const signer = new SoftSigner(makeThrowawayCertificate());
const message = { sessionID: 'S-one-write', orderNo: 'SO-T-0002', receivedAt: 1_795_300_000_000 };

let sessions: MemorySessionStore;
let payments: MemoryPaymentStore;
let guids: number;
const writes: string[] = [];

function deps(customs: ScriptedCustoms): UploadDeps {
  return {
    sessions: counted(sessions),
    payments,
    signer,
    certificates: new SoftKeyRegistry(signer.certificate),
    customs,
    clock: fixedClock(),
    newGuid: () => `9D55BA71-22DE-41F4-8B50-C36C83B3B${String(++guids).padStart(3, '0')}`,
    settings: { maxReceives: 3, leaseMs: 60_000, uploadTries: 1, retryMinMs: 1 },
  };
}

/** The store as the use case sees it, noting each write it asks for. */
function counted(store: MemorySessionStore): SessionStore {
  const note =
    <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) =>
    (...a: A) => {
      writes.push(name);
      return f(...a);
    };
  return Object.assign(Object.create(store) as MemorySessionStore, {
    claim: note('claim', store.claim.bind(store)),
    claimWithPayload: note('claimWithPayload', store.claimWithPayload.bind(store)),
    recordPrepared: note('recordPrepared', store.recordPrepared.bind(store)),
    markSending: note('markSending', store.markSending.bind(store)),
    recordOutcome: note('recordOutcome', store.recordOutcome.bind(store)),
  });
}

beforeEach(async () => {
  sessions = new MemorySessionStore();
  writes.length = 0;
  payments = new MemoryPaymentStore();
  guids = 0;
  await payments.put(makePayment());
  await sessions.create({ sessionID: message.sessionID, orderNo: message.orderNo, receivedAt: 1 });
});

describe('the first delivery of a grab', () => {
  it('claims the session and stores the signed payload in one write, marks the send before it, records the outcome', async () => {
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    assert.equal((await uploadSession(message, 1, deps(customs))).outcome, 'uploaded');
    assert.deepEqual(writes, ['claimWithPayload', 'markSending', 'recordOutcome']);
    assert.equal((await sessions.get(message.sessionID))?.payExInfoStr, customs.received[0]);
  });

  it('sends the payload an earlier copy of the message stored, not the one it just built', async () => {
    const down = new ScriptedCustoms([new CustomsUnavailableError('reset')]);
    await assert.rejects(uploadSession(message, 1, deps(down)), RetryLaterError);
    const first = (await sessions.get(message.sessionID))?.payExInfoStr;
    assert.ok(first);
    // A duplicate SQS message arrives as a first delivery too; customs now says it holds the session.
    const customs = new ScriptedCustoms([customsReply('20000', '入库失败')]);
    const again = await uploadSession(message, 1, deps(customs));
    assert.deepEqual(customs.received, [first]);
    assert.equal(again.outcome, 'uploaded');
    assert.equal((await sessions.get(message.sessionID))?.inferred, true);
    assert.equal((await sessions.get(message.sessionID))?.customsMessage, '入库失败');
  });

  it('never stores a payment of another order than the session’s', async () => {
    await payments.put(makePayment({}, ['OTHER-1']));
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    await assert.rejects(uploadSession({ ...message, orderNo: 'OTHER-1' }, 1, deps(customs)));
    assert.equal((await sessions.get(message.sessionID))?.payExInfoStr, undefined);
    assert.equal(customs.received.length, 0);
    // The next delivery claims first and uploads the session's own order.
    assert.equal(
      (await uploadSession({ ...message, orderNo: 'OTHER-1' }, 2, deps(customs))).outcome,
      'uploaded',
    );
    assert.deepEqual((await sessions.get(message.sessionID))?.orderNos, ['SO-T-0001', 'SO-T-0002']);
  });

  it('does nothing for a finished session', async () => {
    await uploadSession(message, 1, deps(new ScriptedCustoms([customsReply('10000', '上传成功')])));
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    assert.equal((await uploadSession(message, 1, deps(customs))).outcome, 'already-done');
    assert.equal(customs.received.length, 0);
  });
});

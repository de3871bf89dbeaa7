import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { CustomsUnavailableError } from '#core/errors.ts';
import type { CustomsClient } from '#core/ports.ts';
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

/**
 * 入库失败 ("customs already holds this sessionID") is ours only if a try of ours may have got there.
 * Whether one may have is carried from try to try and from delivery to delivery on the session, and
 * survives a crash after the send and a replay: it decides `uploaded` (inferred) against `failed`.
 */

const signer = new SoftSigner(makeThrowawayCertificate());
const message = {
  sessionID: 'ab1234-reach001-00000001',
  orderNo: 'SO-T-0002',
  receivedAt: 1_795_300_000_000,
};
const HOLDS_IT = customsReply('20000', '入库失败：sessionID ab1234-reach001-00000001 已上传');
const LOST = () => new CustomsUnavailableError('reply lost', { mayHaveReachedCustoms: true });
const REFUSED = () => new CustomsUnavailableError('ECONNREFUSED', { mayHaveReachedCustoms: false });

let sessions: MemorySessionStore;
let clock: ReturnType<typeof fixedClock>;

function deps(customs: CustomsClient, tries = 2): UploadDeps {
  return {
    sessions,
    payments,
    signer,
    certificates: new SoftKeyRegistry(signer.certificate),
    customs,
    clock,
    newGuid: () => crypto.randomUUID().toUpperCase(),
    settings: { maxReceives: 3, leaseMs: 20_000, uploadTries: tries, retryMinMs: 1 },
  };
}
let payments: MemoryPaymentStore;

const session = async () => {
  const s = await sessions.get(message.sessionID);
  assert.ok(s);
  return s;
};

beforeEach(async () => {
  sessions = new MemorySessionStore();
  payments = new MemoryPaymentStore();
  clock = fixedClock();
  await payments.put(makePayment());
  await sessions.create(message);
});

describe('入库失败 after a try that may have reached customs', () => {
  it('records uploaded, inferred, with customs words, when the first try lost its reply', async () => {
    const result = await uploadSession(message, 1, deps(new ScriptedCustoms([LOST(), HOLDS_IT])));
    assert.equal(result.outcome, 'uploaded');
    const s = await session();
    assert.equal(s.state, 'uploaded');
    assert.equal(s.inferred, true);
    assert.equal(s.customsCode, '20000');
    assert.match(s.customsMessage ?? '', /^入库失败/);
  });

  it('counts a 5xx as a try that may have reached customs', async () => {
    const customs = new ScriptedCustoms([{ status: 503, body: 'busy' }, HOLDS_IT]);
    assert.equal((await uploadSession(message, 1, deps(customs))).outcome, 'uploaded');
    assert.equal((await session()).inferred, true);
  });

  it('carries a lost reply to the next delivery', async () => {
    await assert.rejects(uploadSession(message, 1, deps(new ScriptedCustoms([LOST()]))), RetryLaterError);
    assert.equal((await session()).mayHaveReachedCustoms, true);
    assert.equal(
      (await uploadSession(message, 2, deps(new ScriptedCustoms([HOLDS_IT])))).outcome,
      'uploaded',
    );
    assert.equal((await session()).inferred, true);
  });

  it('counts a worker that died after its send (nothing recorded) as a try that may have reached customs', async () => {
    // customs accepted the upload; the worker died before it could record anything.
    const dying: CustomsClient = {
      upload: async () => {
        throw new Error('the worker is gone');
      },
    };
    const crashed = Object.create(sessions) as MemorySessionStore;
    crashed.recordOutcome = async () => {
      throw new Error('the worker is gone');
    };
    await assert.rejects(uploadSession(message, 1, { ...deps(dying), sessions: crashed }));
    clock.advance(30_000); // its lease runs out; the message comes back
    const result = await uploadSession(message, 2, deps(new ScriptedCustoms([HOLDS_IT])));
    assert.equal(result.outcome, 'uploaded');
    assert.equal((await session()).inferred, true);
  });

  it('counts a worker that died after marking its send, before it sent (conservative: it cannot know)', async () => {
    const crashed = Object.create(sessions) as MemorySessionStore;
    crashed.markSending = async (sessionID, attempt) => {
      await sessions.markSending(sessionID, attempt);
      throw new Error('the worker is gone');
    };
    crashed.recordOutcome = async () => {
      throw new Error('the worker is gone');
    };
    const never = new ScriptedCustoms([customsReply('10000', '')]);
    await assert.rejects(uploadSession(message, 1, { ...deps(never), sessions: crashed }));
    assert.equal(never.received.length, 0);
    clock.advance(30_000);
    const result = await uploadSession(message, 2, deps(new ScriptedCustoms([HOLDS_IT])));
    assert.equal(result.outcome, 'uploaded');
    assert.equal((await session()).inferred, true);
  });

  it('still knows after the session was given up and replayed (the replay drops the payload)', async () => {
    // Every delivery lost its replies: customs holds the upload, we gave up on the last delivery.
    for (const receive of [1, 2]) {
      await assert.rejects(
        uploadSession(message, receive, deps(new ScriptedCustoms([LOST()]))),
        RetryLaterError,
      );
    }
    assert.equal((await uploadSession(message, 3, deps(new ScriptedCustoms([LOST()])))).outcome, 'failed');
    // An operator replays it: a new payload, a new guid, sent once, answered 入库失败.
    assert.ok(await sessions.markQueued(message.sessionID, clock.now(), ['failed']));
    assert.equal((await session()).payExInfoStr, undefined);
    const result = await uploadSession(message, 1, deps(new ScriptedCustoms([HOLDS_IT])));
    assert.equal(result.outcome, 'uploaded', 'customs holds our earlier upload: not rejected');
    assert.equal((await session()).inferred, true);
  });
});

describe('入库失败 when no try of ours could have reached customs', () => {
  it('records failed with customs words when the earlier try was refused at connect', async () => {
    const result = await uploadSession(message, 1, deps(new ScriptedCustoms([REFUSED(), HOLDS_IT])));
    assert.equal(result.outcome, 'failed');
    const s = await session();
    assert.equal(s.inferred, undefined);
    assert.equal(s.customsCode, '20000');
    assert.match(s.error ?? '', /no try of ours could have reached it \(20000: 入库失败/);
  });

  it('carries "never reached" to the next delivery, and a later delivery does not make it uploaded', async () => {
    await assert.rejects(uploadSession(message, 1, deps(new ScriptedCustoms([REFUSED()]))), RetryLaterError);
    assert.equal((await session()).mayHaveReachedCustoms, false);
    assert.equal((await uploadSession(message, 2, deps(new ScriptedCustoms([HOLDS_IT])))).outcome, 'failed');
    assert.notEqual((await session()).state, 'uploaded');
  });
});

describe('a worker that died between its claim and its send', () => {
  // The soak's trace: claim (with the payload) -> crash before the send -> lease runs out -> redelivery
  // sends -> customs answers 入库失败 and stores nothing. Customs holds no upload of ours: a lost grab if
  // recorded uploaded.
  for (const receiveCount of [1, 2]) {
    it(`sent nothing: a genuine 入库失败 on the next delivery is failed with customs' words (claimed on delivery ${receiveCount})`, async () => {
      const dead = Object.create(sessions) as MemorySessionStore;
      dead.claim = async (...args) => {
        await sessions.claim(...args);
        throw new Error('the worker is gone');
      };
      dead.claimWithPayload = async (...args) => {
        await sessions.claimWithPayload(...args);
        throw new Error('the worker is gone');
      };
      const never = new ScriptedCustoms([customsReply('10000', '')]);
      await assert.rejects(uploadSession(message, receiveCount, { ...deps(never), sessions: dead }));
      assert.equal(never.received.length, 0);
      assert.equal((await session()).state, 'uploading', 'claimed, then nothing');
      clock.advance(30_000); // its lease runs out; the message comes back
      const customs = new ScriptedCustoms([HOLDS_IT]);
      const result = await uploadSession(message, receiveCount + 1, deps(customs));
      assert.equal(customs.received.length, 1);
      assert.equal(result.outcome, 'failed');
      const s = await session();
      assert.notEqual(s.state, 'uploaded');
      assert.equal(s.inferred, undefined);
      assert.equal(s.customsCode, '20000');
      assert.match(s.error ?? '', /no try of ours could have reached it \(20000: 入库失败/);
    });
  }
});

describe('a replay of a session customs refused', () => {
  it('is rejected again at once when customs refuses it again: its earlier try was answered, not lost', async () => {
    const refused = customsReply('20004', '企业实时数据获取验签证书未在服务系统注册');
    assert.equal((await uploadSession(message, 1, deps(new ScriptedCustoms([refused])))).outcome, 'rejected');
    assert.equal((await session()).mayHaveReachedCustoms, false);
    assert.ok(await sessions.markQueued(message.sessionID, clock.now(), ['rejected']));
    const result = await uploadSession(message, 1, deps(new ScriptedCustoms([refused])));
    assert.equal(result.outcome, 'rejected', 'not asked again: no try of ours may have been accepted');
  });
});

describe('another refusal of a retry that may have been accepted', () => {
  it('asks again on the next delivery rather than record a rejection', async () => {
    const customs = new ScriptedCustoms([LOST(), customsReply('20000', '系统繁忙')]);
    await assert.rejects(uploadSession(message, 1, deps(customs)), RetryLaterError);
    assert.equal((await session()).state, 'retrying');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import type { CustomsClient, GrabMessage, GrabQueue, SessionStore } from '#core/ports.ts';
import { parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import { DUPLICATE_SESSION_MESSAGE } from '#core/protocol/reply-codes.ts';
import { STUCK_QUEUED_AFTER_MS, STUCK_RECEIVED_AFTER_MS } from '#core/settings.ts';
import { acceptGrab } from '#core/use-cases/accept-grab.ts';
import { replaySessions } from '#core/use-cases/replay-sessions.ts';
import { sweepStuckSessions } from '#core/use-cases/requeue-stuck.ts';
import { uploadSession } from '#core/use-cases/upload-session.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { customsReply, fixedClock, MemoryPaymentStore, MemorySessionStore } from '#test/helpers/fakes.ts';
import { makePayment } from '#test/helpers/payments.ts';

/**
 * A function can die between any two of its writes (timeout, out of memory). Here every write a grab's
 * journey makes (session record, send, mark queued, claim, prepared payload, mark sending, outcome) is in turn the
 * point where the process dies; the grab must still end `uploaded`, accepted by customs once, either
 * because customs repeats its grab or because the sweep finds the session.
 */

const signer = new SoftSigner(makeThrowawayCertificate());
const LEASE_MS = 20_000;
const grab = { sessionID: 'LOST-1', orderNo: 'SO-T-0002', serviceTime: 1_795_300_000_000 };

class Crash extends Error {}

/** Counts writes; the one numbered `crashAt` kills the process: it and every call after it throw. */
class Fuse {
  writes = 0;
  dead = false;
  constructor(private readonly crashAt = -1) {}
  hit(): void {
    if (this.dead) throw new Crash('the process is gone');
    if (this.writes++ === this.crashAt) {
      this.dead = true;
      throw new Crash(`died at write ${this.crashAt}`);
    }
  }
  revive(): void {
    this.dead = false;
  }
}

const WRITES = [
  'create',
  'markNotQueued',
  'markQueued',
  'markResent',
  'claim',
  'claimWithPayload',
  'recordPrepared',
  'markSending',
  'recordOutcome',
] as const;

function fusedStore(store: MemorySessionStore, fuse: Fuse): SessionStore {
  const fused = Object.create(store) as SessionStore;
  for (const name of WRITES) {
    const write = (store[name] as (...a: unknown[]) => Promise<unknown>).bind(store);
    Object.assign(fused, {
      [name]: async (...args: unknown[]) => {
        fuse.hit();
        return write(...args);
      },
    });
  }
  return fused;
}

/** SQS as the worker sees it: a message stays until deleted, and comes back with its receive count. */
class Queue implements GrabQueue {
  readonly messages: { message: GrabMessage; receives: number }[] = [];
  constructor(private readonly fuse: Fuse) {}
  async send(message: GrabMessage) {
    this.fuse.hit();
    this.messages.push({ message, receives: 0 });
  }
}

/** customs: accepts a sessionID once; a second upload of it is answered 入库失败 (it already holds it). */
class Customs implements CustomsClient {
  readonly accepted = new Map<string, number>();
  async upload(payExInfoStr: string) {
    const { sessionID } = parsePayExInfoStr(payExInfoStr);
    const times = (this.accepted.get(sessionID) ?? 0) + 1;
    this.accepted.set(sessionID, times);
    return times === 1
      ? customsReply('10000', '')
      : customsReply('20000', `${DUPLICATE_SESSION_MESSAGE}: sessionID already uploaded`);
  }
}

async function world(crashAt: number) {
  const fuse = new Fuse(crashAt);
  const store = new MemorySessionStore();
  const payments = new MemoryPaymentStore();
  await payments.put(makePayment());
  const sessions = fusedStore(store, fuse);
  const queue = new Queue(fuse);
  const customs = new Customs();
  const clock = fixedClock();
  const workerDeps = {
    sessions,
    payments,
    signer,
    certificates: new SoftKeyRegistry(signer.certificate),
    customs,
    clock,
    newGuid: () => '9D55BA71-22DE-41F4-8B50-C36C83B3B530',
    settings: { maxReceives: 5, leaseMs: LEASE_MS, uploadTries: 1, retryMinMs: 1 },
  };
  /** customs' grab; true when it got its 10000 reply */
  const grabOnce = async () => {
    try {
      await acceptGrab(grab, { sessions, queue, clock });
      return true;
    } catch {
      fuse.revive();
      return false;
    }
  };
  /** The event source: deliver each message until the worker finishes it (a crash leaves it for later). */
  const drain = async () => {
    for (let round = 0; round < 20 && queue.messages.length > 0; round++) {
      const m = queue.messages[0];
      if (!m) break;
      m.receives++;
      try {
        await uploadSession(m.message, m.receives, workerDeps);
        queue.messages.shift();
      } catch {
        // The message reappears after the visibility timeout, which outlives the lease.
        fuse.revive();
        clock.advance(LEASE_MS + 1);
      }
    }
  };
  const sweep = async () => {
    clock.advance(Math.max(STUCK_RECEIVED_AFTER_MS, STUCK_QUEUED_AFTER_MS) + 1);
    return sweepStuckSessions({ sessions, queue, clock });
  };
  return { fuse, store, queue, customs, grabOnce, drain, sweep, clock };
}

/** The writes of a journey without a crash, each a point to crash at. */
async function writesOfAJourney(): Promise<number> {
  const w = await world(-1);
  assert.equal(await w.grabOnce(), true);
  await w.drain();
  assert.equal(w.store.rows.get(grab.sessionID)?.state, 'uploaded');
  return w.fuse.writes;
}

describe('a grab survives a crash between any two writes', async () => {
  const points = await writesOfAJourney();

  it('has the writes this test crashes between', () => {
    // record, send, mark queued, claim with payload, mark sending, outcome
    assert.equal(points, 6);
  });

  for (let crashAt = 0; crashAt < points; crashAt++) {
    it(`crash at write ${crashAt}: customs' repeated grab queues it at once`, async () => {
      const w = await world(crashAt);
      await w.grabOnce();
      await w.drain();
      // customs grabs again (it repeats a grab it got no upload for)
      assert.equal(await w.grabOnce(), true);
      await w.drain();
      const s = w.store.rows.get(grab.sessionID);
      assert.equal(s?.state, 'uploaded', `ended ${s?.state}: ${s?.error ?? ''}`);
      assert.equal(w.customs.accepted.has(grab.sessionID), true);
    });

    it(`crash at write ${crashAt}: the sweep queues it when customs does not ask again`, async () => {
      const w = await world(crashAt);
      // customs only repeats a grab that got no reply
      if (!(await w.grabOnce())) assert.equal(await w.grabOnce(), true);
      await w.drain();
      await w.sweep();
      await w.drain();
      const s = w.store.rows.get(grab.sessionID);
      assert.equal(s?.state, 'uploaded', `ended ${s?.state}: ${s?.error ?? ''}`);
    });
  }

  it('LOST-1: a session recorded and never sent is queued by the sweep, and counted', async () => {
    const w = await world(-1);
    await w.store.create({ sessionID: grab.sessionID, orderNo: grab.orderNo, receivedAt: w.clock.now() });
    // Not before the grab request could still be sending it
    w.clock.advance(STUCK_RECEIVED_AFTER_MS - 1);
    assert.deepEqual(
      (await sweepStuckSessions({ sessions: w.store, queue: w.queue, clock: w.clock })).requeued,
      [],
    );
    const swept = await w.sweep();
    assert.deepEqual(swept.requeued, [grab.sessionID]);
    await w.drain();
    assert.equal(w.store.rows.get(grab.sessionID)?.state, 'uploaded');
    assert.deepEqual((await w.sweep()).requeued, [], 'an uploaded session is never swept');
  });

  it('leaves alone a queued session that is merely waiting its turn', async () => {
    const w = await world(-1);
    await w.grabOnce();
    w.clock.advance(STUCK_QUEUED_AFTER_MS - 1);
    const swept = await sweepStuckSessions({ sessions: w.store, queue: w.queue, clock: w.clock });
    assert.deepEqual(swept.requeued, []);
    assert.equal(w.queue.messages.length, 1);
  });
});

describe('a replay survives a crash between its two writes', () => {
  for (const crashAt of [0, 1]) {
    it(`crash at write ${crashAt} of the replay: the sweep (or a second replay) sends it`, async () => {
      const w = await world(-1);
      await w.store.create({ sessionID: grab.sessionID, orderNo: grab.orderNo, receivedAt: w.clock.now() });
      const recorded = w.store.rows.get(grab.sessionID);
      assert.ok(recorded);
      w.store.rows.set(grab.sessionID, {
        ...recorded,
        state: 'failed',
        error: 'bad data',
      });
      const fuse = new Fuse(crashAt);
      const sessions = fusedStore(w.store, fuse);
      const queue = new Queue(fuse);
      await replaySessions([grab.sessionID], { sessions, queue, clock: w.clock }).catch(() => undefined);
      w.queue.messages.push(...queue.messages);
      await w.drain();
      const replayedAgain = await replaySessions([grab.sessionID], {
        sessions: w.store,
        queue: w.queue,
        clock: w.clock,
      });
      await w.sweep();
      await w.drain();
      const s = w.store.rows.get(grab.sessionID);
      assert.equal(s?.state, 'uploaded', `ended ${s?.state}: ${s?.error ?? ''}`);
      assert.equal(w.customs.accepted.get(grab.sessionID), 1);
      // a crash before the session moved leaves it failed: the operator's second replay is what sends it
      if (crashAt === 0) assert.equal(replayedAgain[0]?.replayed, true);
    });
  }
});

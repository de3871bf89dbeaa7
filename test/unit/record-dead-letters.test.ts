import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeadLetter, DeadLetterQueue } from '#core/ports.ts';
import { recordDeadLetters } from '#core/use-cases/record-dead-letters.ts';
import { fixedClock, MemorySessionStore } from '#test/helpers/fakes.ts';

/** A DLQ that hands out its letters again and again (nothing here deletes them) and counts deletes. */
class MemoryDlq implements DeadLetterQueue {
  deleted = 0;
  constructor(readonly letters: DeadLetter[]) {}
  async receive() {
    return [...this.letters];
  }
  async delete() {
    this.deleted++;
  }
}

const letter = (sessionID: string, n = 1): DeadLetter => ({
  messageId: `m-${sessionID}-${n}`,
  body: JSON.stringify({ sessionID, orderNo: 'SO-1', receivedAt: 1 }),
  receiptHandle: `r-${sessionID}`,
  receiveCount: 6,
});

describe('every dead-lettered grab ends in a recorded state', () => {
  it('records failed, with why, for each dead letter whose session has no outcome, and leaves the messages', async () => {
    const sessions = new MemorySessionStore();
    const clock = fixedClock();
    for (const id of ['S-QUEUED', 'S-RETRYING', 'S-DONE', 'S-LEASED'])
      await sessions.create({ sessionID: id, orderNo: 'SO-1', receivedAt: clock.now() });
    await sessions.markQueued('S-QUEUED', clock.now(), ['received']);
    // a worker that saw customs down, and one that died holding its lease
    const r = await sessions.claim('S-RETRYING', clock.now(), 1_000);
    await sessions.recordOutcome('S-RETRYING', r.session.attempts, {
      state: 'retrying',
      error: 'customs answered HTTP 503',
      at: clock.now(),
    });
    const d = await sessions.claim('S-DONE', clock.now(), 1_000);
    await sessions.recordOutcome('S-DONE', d.session.attempts, {
      state: 'failed',
      error: 'gave up after 5 deliveries: 503',
      at: clock.now(),
    });
    await sessions.claim('S-LEASED', clock.now(), 1_000);
    clock.advance(2_000);

    const dlq = new MemoryDlq([
      letter('S-QUEUED'),
      letter('S-RETRYING'),
      letter('S-DONE'),
      letter('S-LEASED'),
      { ...letter('x'), body: 'not json' },
    ]);
    const report = await recordDeadLetters({ dlq, sessions, clock, maxReceives: 5 });
    assert.deepEqual([...report.recorded].sort(), ['S-LEASED', 'S-QUEUED', 'S-RETRYING']);
    assert.equal(report.alreadyEnded, 1);
    assert.equal(report.unreadable, 1);
    assert.equal(dlq.deleted, 0, 'left for ceb-grab redrive');

    const retrying = await sessions.get('S-RETRYING');
    assert.equal(retrying?.state, 'failed');
    assert.equal(retrying?.error, 'dead-lettered after 5 receives: customs answered HTTP 503');
    assert.match(
      (await sessions.get('S-QUEUED'))?.error ?? '',
      /^dead-lettered after 5 receives: the worker recorded nothing/,
    );
    assert.equal(
      (await sessions.get('S-DONE'))?.error,
      'gave up after 5 deliveries: 503',
      'an ended session is left alone',
    );

    // every minute again: nothing new
    assert.deepEqual((await recordDeadLetters({ dlq, sessions, clock, maxReceives: 5 })).recorded, []);
  });

  it('never records a session a live worker holds', async () => {
    const sessions = new MemorySessionStore();
    const clock = fixedClock();
    await sessions.create({ sessionID: 'S-LIVE', orderNo: 'SO-1', receivedAt: clock.now() });
    await sessions.claim('S-LIVE', clock.now(), 60_000);
    const report = await recordDeadLetters({
      dlq: new MemoryDlq([letter('S-LIVE')]),
      sessions,
      clock,
      maxReceives: 5,
    });
    assert.deepEqual(report.recorded, []);
    assert.equal((await sessions.get('S-LIVE'))?.state, 'uploading');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_STATES, type SessionState, TERMINAL_STATES } from '#core/session.ts';
import {
  CLAIMABLE_STATES,
  CLEARED_ON_REQUEUE,
  canMove,
  INITIAL_STATE,
  LEASED_STATE,
  NOT_QUEUED_STATE,
  PREPARED_ATTRIBUTES,
  preparedAttributes,
  REQUEUED_STATE,
  sourcesOf,
  TRANSITIONS,
} from '#core/session-lifecycle.ts';
import { REPLAYABLE } from '#core/use-cases/replay-sessions.ts';

/** Every state reachable from `from` in one or more moves. */
function reachableFrom(from: SessionState): Set<SessionState> {
  const seen = new Set<SessionState>();
  const todo = [...TRANSITIONS[from]];
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    if (seen.has(s)) continue;
    seen.add(s);
    todo.push(...TRANSITIONS[s]);
  }
  return seen;
}

describe('the session lifecycle table', () => {
  it('a terminal session is never claimed, and every waiting one is', () => {
    for (const s of TERMINAL_STATES) {
      assert.equal(canMove(s, LEASED_STATE), false, `${s} must not be claimable`);
      assert.ok(!CLAIMABLE_STATES.includes(s));
    }
    assert.deepEqual([...CLAIMABLE_STATES].sort(), ['queued', 'received', 'retrying']);
    // a lease that ran out may be taken over, but the leased state is not claimable outright
    assert.ok(canMove(LEASED_STATE, LEASED_STATE));
    assert.ok(!CLAIMABLE_STATES.includes(LEASED_STATE));
  });

  it('uploaded never goes back: customs holds it', () => {
    assert.deepEqual(TRANSITIONS.uploaded, []);
    assert.equal(reachableFrom('uploaded').size, 0);
    assert.deepEqual(sourcesOf('uploaded'), [LEASED_STATE]);
  });

  it('every state can be reached from a new grab, and every session can still end', () => {
    const fromNew = reachableFrom(INITIAL_STATE);
    for (const s of SESSION_STATES) {
      if (s !== INITIAL_STATE) assert.ok(fromNew.has(s), `${s} is unreachable`);
      assert.ok(
        TERMINAL_STATES.some((t) => t === s || reachableFrom(s).has(t)),
        `${s} can never end`,
      );
    }
  });

  it('a verdict from customs is recorded only by the holder of the lease', () => {
    for (const s of ['uploaded', 'rejected'] as const) assert.deepEqual(sourcesOf(s), [LEASED_STATE]);
    // a grab whose payment arrived while no-data was recorded is retried, or given up on the last delivery
    assert.deepEqual(sourcesOf('retrying'), [LEASED_STATE, 'no-data']);
  });

  it('what an operator may replay, a load may re-queue and a failed queue send keeps are all allowed moves', () => {
    for (const s of REPLAYABLE) assert.ok(canMove(s, REQUEUED_STATE), `${s} cannot be replayed`);
    assert.ok(canMove('no-data', REQUEUED_STATE));
    // a grab is recorded `received` and queued only after the send; a replay whose send failed goes back
    assert.equal(INITIAL_STATE, NOT_QUEUED_STATE);
    assert.ok(canMove(INITIAL_STATE, REQUEUED_STATE));
    assert.deepEqual(sourcesOf(NOT_QUEUED_STATE), [REQUEUED_STATE]);
    for (const s of [LEASED_STATE, 'retrying', 'queued', 'uploaded'] as const)
      assert.equal(canMove(s, REQUEUED_STATE), false, `${s} must not be re-queued`);
  });

  it('a re-queue drops the whole prepared payload, which is built from the upload as one', () => {
    for (const a of PREPARED_ATTRIBUTES)
      assert.ok(CLEARED_ON_REQUEUE.includes(a), `${a} survives a re-queue`);
    const attrs = preparedAttributes({
      guid: 'G',
      certNo: 'C',
      payExInfoStr: '{}',
      orderNos: ['O1', 'O2'],
      at: 7,
    });
    assert.deepEqual(Object.keys(attrs).sort(), [...PREPARED_ATTRIBUTES].sort());
    assert.deepEqual(attrs, {
      guid: 'G',
      certNo: 'C',
      payExInfoStr: '{}',
      orderNos: ['O1', 'O2'],
      preparedAt: 7,
    });
  });
});

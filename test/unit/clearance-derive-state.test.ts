import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveClearance } from '#core/clearance/derive-state.ts';
import type { RecordedEvent } from '#core/clearance/event.ts';

const T = 1_795_300_000_000;
const MIN = 60_000;
let arrival = 0;

/** A receipt that happened `minutes` after T and arrives after every one made before it. */
const receipt = (returnStatus: number, minutes: number, guid = 'G1'): RecordedEvent => ({
  orderNo: 'SO-1',
  source: 'CEB312',
  dedupeKey: `CEB312#${guid}#${returnStatus}`,
  returnStatus,
  eventAt: T + minutes * MIN,
  refs: { guid },
  partner: 'broker',
  receivedAt: T + 3_600_000 + ++arrival,
});

const notice = (status: 1 | 2, resultCode: string | undefined, minutes: number): RecordedEvent => ({
  orderNo: 'SO-1',
  source: 'notice',
  dedupeKey: `notice#k#${status}#${resultCode ?? ''}`,
  clearanceStatus: status,
  ...(resultCode ? { resultCode } : {}),
  eventAt: T + minutes * MIN,
  refs: { idempotent: 'k' },
  partner: 'broker',
  receivedAt: T + 3_600_000 + ++arrival,
});

const stateOf = (events: RecordedEvent[]) => deriveClearance(events).state;

function permutations<X>(xs: X[]): X[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe("an order's clearance state, derived from its timeline", () => {
  it('is none until something is heard', () => {
    assert.equal(stateOf([]), 'none');
  });

  it('ends released for 2 -> 120 -> 800, in whatever order the receipts arrive', () => {
    for (const order of permutations([2, 120, 800])) {
      const minutes: Record<number, number> = { 2: 0, 120: 2, 800: 20 };
      const events = order.map((s) => receipt(s, minutes[s] ?? 0));
      const summary = deriveClearance(events);
      assert.equal(summary.state, 'released', `arrival order ${order.join(' -> ')}`);
      assert.deepEqual(
        summary.timeline.map((e) => e.returnStatus),
        [2, 120, 800],
      );
      assert.equal(summary.current?.returnStatus, 800);
    }
  });

  it('stays released when a 120 is stamped after the 800 (clocks differ between senders)', () => {
    const summary = deriveClearance([receipt(800, 10), receipt(120, 11)]);
    assert.equal(summary.state, 'released');
    assert.equal(summary.timeline.find((e) => e.returnStatus === 120)?.applied, false);
  });

  it('moves on from released only to closed', () => {
    assert.equal(stateOf([receipt(800, 10), receipt(899, 30)]), 'closed');
    assert.equal(stateOf([receipt(800, 10), receipt(500, 30), receipt(-301010, 31)]), 'released');
  });

  it('keeps a stray e-port error from undoing an accepted declaration, but follows customs decisions', () => {
    assert.equal(stateOf([receipt(120, 1), receipt(-301010, 5)]), 'accepted');
    assert.equal(stateOf([receipt(120, 1), receipt(4, 5)]), 'accepted');
    assert.equal(stateOf([receipt(120, 1), receipt(500, 5), receipt(501, 9)]), 'held');
    assert.equal(stateOf([receipt(120, 1), receipt(300, 5), receipt(100, 9)]), 'rejected');
  });

  it('follows a rejected order that is declared again', () => {
    const redeclared = [receipt(2, 0), receipt(100, 1), receipt(2, 10, 'G2'), receipt(120, 11, 'G2')];
    assert.equal(stateOf(redeclared), 'accepted');
    assert.equal(stateOf([receipt(2, 0), receipt(4, 1)]), 'error');
  });

  it('dates the state from the event that reached it, not from later ones that confirm it', () => {
    const summary = deriveClearance([receipt(120, 1), receipt(800, 10), notice(2, '0000', 12)]);
    assert.equal(summary.current?.source, 'CEB312');
    assert.equal(summary.current?.returnStatus, 800);
    assert.equal(summary.timeline[2]?.applied, true);
  });

  it('lets a higher step win when two events carry the same time', () => {
    assert.equal(stateOf([receipt(800, 5), receipt(120, 5)]), 'released');
  });

  it('records an unknown code in the timeline without letting it move the state', () => {
    const summary = deriveClearance([receipt(120, 1), receipt(250, 5)]);
    assert.equal(summary.state, 'accepted');
    assert.equal(summary.timeline[1]?.status.state, 'unknown');
    assert.equal(summary.timeline[1]?.applied, false);
  });

  it("weighs the clearance party's notices like the customs steps they stand for", () => {
    assert.equal(stateOf([notice(1, undefined, 0)]), 'declared');
    assert.equal(stateOf([notice(1, undefined, 0), receipt(120, 2), notice(2, '0000', 9)]), 'released');
    assert.equal(stateOf([notice(2, '0000', 9), notice(1, undefined, 12)]), 'released');
    assert.equal(stateOf([receipt(120, 2), notice(2, '1001', 9)]), 'rejected');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFault } from '#doubles/customs-simulator/faults.ts';

/** A seeded generator, so a faulted run can be replayed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("customs simulator's fault plan", () => {
  it('answers normally with no faults configured', () => {
    assert.deepEqual(planFault({}), { delayMs: 0, action: 'answer' });
    assert.deepEqual(planFault({ latencyMs: 200 }), { delayMs: 200, action: 'answer' });
  });

  it('injects each fault at about its configured rate', () => {
    const random = seeded(42);
    const counts = new Map<string, number>();
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const { action } = planFault({ error5xxRate: 0.1, resetRate: 0.05, lostReplyRate: 0.02 }, random);
      counts.set(action, (counts.get(action) ?? 0) + 1);
    }
    const share = (a: string) => (counts.get(a) ?? 0) / n;
    assert.ok(Math.abs(share('5xx') - 0.1) < 0.01, `5xx ${share('5xx')}`);
    assert.ok(Math.abs(share('reset') - 0.045) < 0.01, `reset ${share('reset')}`);
    assert.ok(share('lost-reply') > 0.01 && share('lost-reply') < 0.03, `lost ${share('lost-reply')}`);
    assert.equal(counts.get('timeout') ?? 0, 0);
  });

  it('always faults at rate 1 and adds slowness to the delay', () => {
    assert.equal(planFault({ timeoutRate: 1 }).action, 'timeout');
    assert.deepEqual(planFault({ slowRate: 1, slowMs: 700, latencyMs: 10 }), {
      delayMs: 710,
      action: 'answer',
    });
  });
});

describe("customs simulator's storage failure", () => {
  it('strikes only a session’s first upload', () => {
    const faults = { storageFailureFirstRate: 1 };
    assert.equal(planFault(faults, Math.random, { firstOfSession: true }).action, 'storage-failure');
    assert.equal(planFault(faults, Math.random, { firstOfSession: false }).action, 'answer');
    assert.equal(planFault(faults).action, 'answer');
  });
});

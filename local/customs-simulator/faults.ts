/**
 * The seam for fault injection. Every request to customs' upload route asks `planFault` what to do
 * before it is checked; issue 6 adds rates of 5xx, timeouts, resets and forced 20000 replies as new
 * plan actions, applied by the server. Today a plan only delays: simulated processing time, which
 * benchmarks use to model customs' latency.
 */
export interface Faults {
  /** Wait this long before checking each upload (customs' processing time). */
  readonly latencyMs?: number | undefined;
}

export interface FaultPlan {
  readonly delayMs: number;
  /** What to do after the delay; 'answer' = check the upload and reply normally. */
  readonly action: 'answer';
}

export const NO_FAULTS: Faults = {};

/** Decide one request's fate. `random` is injectable so a faulted run can be replayed from a seed. */
export function planFault(faults: Faults, _random: () => number = Math.random): FaultPlan {
  return { delayMs: Math.max(0, faults.latencyMs ?? 0), action: 'answer' };
}

/**
 * Fault injection for customs' upload route. Every upload asks `planFault` what to do before it is
 * checked; rates are probabilities in [0, 1], drawn independently in the order listed. Real customs
 * has all of these: it times out, resets connections, answers 5xx and sometimes "系统繁忙" 20000.
 */
export interface Faults {
  /** Wait this long before checking each upload (customs' processing time). */
  readonly latencyMs?: number | undefined;
  /** Answer HTTP 503 without looking at the upload. */
  readonly error5xxRate?: number | undefined;
  /** Close the connection before answering, without looking at the upload. */
  readonly resetRate?: number | undefined;
  /** Never answer (the client's timeout fires); the upload is not looked at. */
  readonly timeoutRate?: number | undefined;
  /** Check and record the upload, then lose the answer (close the connection): the cruel one. */
  readonly lostReplyRate?: number | undefined;
  /** Answer 20000 系统繁忙 without looking at the upload. */
  readonly busy20000Rate?: number | undefined;
  /** Add `slowMs` to this share of replies. */
  readonly slowRate?: number | undefined;
  readonly slowMs?: number | undefined;
}

export type FaultAction = 'answer' | '5xx' | 'reset' | 'timeout' | 'lost-reply' | 'busy-20000';

export interface FaultPlan {
  readonly delayMs: number;
  readonly action: FaultAction;
}

export const NO_FAULTS: Faults = {};

/** How long a `timeout` plan holds the connection before closing it (clients give up sooner). */
export const HANG_MS = 30_000;

/** Decide one request's fate. `random` is injectable so a faulted run can be replayed from a seed. */
export function planFault(faults: Faults, random: () => number = Math.random): FaultPlan {
  const slow = random() < (faults.slowRate ?? 0) ? (faults.slowMs ?? 2_000) : 0;
  const delayMs = Math.max(0, faults.latencyMs ?? 0) + slow;
  const table: [FaultAction, number | undefined][] = [
    ['5xx', faults.error5xxRate],
    ['reset', faults.resetRate],
    ['timeout', faults.timeoutRate],
    ['lost-reply', faults.lostReplyRate],
    ['busy-20000', faults.busy20000Rate],
  ];
  for (const [action, rate] of table) if (random() < (rate ?? 0)) return { delayMs, action };
  return { delayMs, action: 'answer' };
}

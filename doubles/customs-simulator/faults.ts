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
  /**
   * Answer 20000 入库失败 to this share of sessions' first upload, without storing it: a genuine
   * storage failure, told in the words customs also uses for a session it already holds.
   */
  readonly storageFailureFirstRate?: number | undefined;
  /** Add `slowMs` to this share of replies. */
  readonly slowRate?: number | undefined;
  readonly slowMs?: number | undefined;
}

export type FaultAction =
  | 'answer'
  | '5xx'
  | 'reset'
  | 'timeout'
  | 'lost-reply'
  | 'busy-20000'
  | 'storage-failure';

export interface FaultPlan {
  readonly delayMs: number;
  readonly action: FaultAction;
}

export const NO_FAULTS: Faults = {};

/** How long a `timeout` plan holds the connection before closing it (clients give up sooner). */
export const HANG_MS = 30_000;

/**
 * Decide one request's fate. `random` is injectable so a faulted run can be replayed from a seed;
 * `firstOfSession`: no upload of this session reached customs before (a storage failure may strike).
 */
export function planFault(
  faults: Faults,
  random: () => number = Math.random,
  request: { readonly firstOfSession?: boolean } = {},
): FaultPlan {
  const slow = random() < (faults.slowRate ?? 0) ? (faults.slowMs ?? 2_000) : 0;
  const delayMs = Math.max(0, faults.latencyMs ?? 0) + slow;
  const table: [FaultAction, number | undefined][] = [
    ['5xx', faults.error5xxRate],
    ['reset', faults.resetRate],
    ['timeout', faults.timeoutRate],
    ['lost-reply', faults.lostReplyRate],
    ['busy-20000', faults.busy20000Rate],
    ['storage-failure', request.firstOfSession ? faults.storageFailureFirstRate : 0],
  ];
  for (const [action, rate] of table) if (random() < (rate ?? 0)) return { delayMs, action };
  return { delayMs, action: 'answer' };
}

/** Which faults struck, in all and per session: a faulted run's summary and its traces of a session. */
export class FaultLog {
  readonly #seen = new Set<string>();
  readonly #counts: Partial<Record<FaultAction, number>> = {};
  readonly #bySession = new Map<string, FaultAction[]>();

  /** An upload of this session arrived; true when it is the first one. */
  arrived(sessionID: string | undefined): boolean {
    if (sessionID === undefined || this.#seen.has(sessionID)) return false;
    this.#seen.add(sessionID);
    return true;
  }

  record(sessionID: string | undefined, action: FaultAction): void {
    if (action === 'answer') return;
    this.#counts[action] = (this.#counts[action] ?? 0) + 1;
    if (sessionID === undefined) return;
    const list = this.#bySession.get(sessionID) ?? [];
    list.push(action);
    this.#bySession.set(sessionID, list);
  }

  counts(): Partial<Record<FaultAction, number>> {
    return { ...this.#counts };
  }

  of(sessionID: string): readonly FaultAction[] {
    return [...(this.#bySession.get(sessionID) ?? [])];
  }
}

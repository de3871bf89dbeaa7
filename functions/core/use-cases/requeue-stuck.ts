import type { Clock, GrabQueue, SessionStore } from '../ports.ts';
import type { Session } from '../session.ts';
import { NOT_QUEUED_STATE, REQUEUED_STATE } from '../session-lifecycle.ts';
import { STUCK_QUEUED_AFTER_MS, STUCK_RECEIVED_AFTER_MS } from '../settings.ts';

export interface RequeueDeps {
  readonly sessions: SessionStore;
  readonly queue: GrabQueue;
  readonly clock: Clock;
}

export interface StuckThresholds {
  /** a `received` session older than this is no longer being sent by the request that recorded it */
  readonly receivedAfterMs: number;
  /** a `queued` session unclaimed this long has likely lost its message */
  readonly queuedAfterMs: number;
}

export const DEFAULT_STUCK_THRESHOLDS: StuckThresholds = {
  receivedAfterMs: STUCK_RECEIVED_AFTER_MS,
  queuedAfterMs: STUCK_QUEUED_AFTER_MS,
};

/** A `queued` session nothing has touched for `queuedAfterMs`. */
export const isStaleQueued = (s: Session, now: number, t: StuckThresholds = DEFAULT_STUCK_THRESHOLDS) =>
  s.state === REQUEUED_STATE && now - s.updatedAt >= t.queuedAfterMs;

/**
 * Put a session that may have no message back on the queue. Every order of writes leaves a state this
 * function acts on again: a `received` session is sent and only then marked `queued` (a crash between
 * leaves it `received`); a stale `queued` one is stamped first and then sent (a crash between leaves it
 * `queued`, stale again later). A copy of a message that did exist is harmless: the lease uploads a
 * session once. Returns false when the session is in neither case (someone else moved it).
 */
export async function requeueSession(session: Session, deps: RequeueDeps): Promise<boolean> {
  const message = { sessionID: session.sessionID, orderNo: session.orderNo, receivedAt: session.receivedAt };
  if (session.state === NOT_QUEUED_STATE) {
    await deps.queue.send(message);
    // False when a worker claimed it meanwhile: it is on its way either way.
    await deps.sessions.markQueued(session.sessionID, deps.clock.now(), [NOT_QUEUED_STATE]);
    return true;
  }
  if (session.state === REQUEUED_STATE) {
    if (!(await deps.sessions.markResent(session.sessionID, session.updatedAt, deps.clock.now())))
      return false;
    await deps.queue.send(message);
    return true;
  }
  return false;
}

export interface SweepResult {
  /** sessions put back on the queue */
  readonly requeued: readonly string[];
  /** sessions that could not be sent now (the next sweep tries again) */
  readonly failed: readonly { readonly sessionID: string; readonly reason: string }[];
}

/**
 * The scheduled sweep: every session recorded but not sent (`received` past the grab request's time),
 * or `queued` and unclaimed for long, goes back on the queue. Run every SWEEP_INTERVAL_MS; its count is
 * the StuckSessions metric, which should be 0.
 */
export async function sweepStuckSessions(
  deps: RequeueDeps & { readonly thresholds?: StuckThresholds },
): Promise<SweepResult> {
  const t = deps.thresholds ?? DEFAULT_STUCK_THRESHOLDS;
  const now = deps.clock.now();
  const candidates = [
    ...(await deps.sessions.listByState(NOT_QUEUED_STATE, 0, now - t.receivedAfterMs)),
    ...(await deps.sessions.listByState(REQUEUED_STATE, 0, now - t.queuedAfterMs)),
  ];
  const requeued: string[] = [];
  const failed: { sessionID: string; reason: string }[] = [];
  for (const session of candidates) {
    try {
      if (await requeueSession(session, deps)) requeued.push(session.sessionID);
    } catch (e) {
      failed.push({ sessionID: session.sessionID, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { requeued, failed };
}

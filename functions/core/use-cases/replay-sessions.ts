import type { Clock, GrabQueue, SessionStore } from '../ports.ts';
import type { SessionState } from '../session.ts';

/** States an operator may replay from: nothing in flight, nothing customs accepted. */
export const REPLAYABLE: readonly SessionState[] = ['no-data', 'failed', 'rejected', 'received'];

export type ReplayOutcome =
  | { readonly sessionID: string; readonly replayed: true }
  | { readonly sessionID: string; readonly replayed: false; readonly reason: string };

/**
 * Put sessions back on the queue (after payment data was fixed or loaded late). Safe to run
 * twice: a session already queued, in flight or uploaded is left alone and says why. The session is
 * marked `queued` before the send (a worker handed the message first would find it still ended): a
 * crash between the two leaves a `queued` session with no message, which the sweep sends again
 * (requeue-stuck.ts); a refused send leaves it `received`, which the sweep sends at its next run.
 */
export async function replaySessions(
  sessionIDs: readonly string[],
  deps: { sessions: SessionStore; queue: GrabQueue; clock: Clock },
): Promise<ReplayOutcome[]> {
  const out: ReplayOutcome[] = [];
  for (const sessionID of sessionIDs) {
    const session = await deps.sessions.get(sessionID);
    if (!session) {
      out.push({ sessionID, replayed: false, reason: 'no such session' });
      continue;
    }
    if (!(await deps.sessions.markQueued(sessionID, deps.clock.now(), REPLAYABLE))) {
      out.push({
        sessionID,
        replayed: false,
        reason: `it is ${session.state}; only ${REPLAYABLE.join(', ')} sessions are replayed`,
      });
      continue;
    }
    try {
      await deps.queue.send({ sessionID, orderNo: session.orderNo, receivedAt: session.receivedAt });
    } catch (e) {
      const reason = `could not queue it: ${e instanceof Error ? e.message : String(e)}`;
      await deps.sessions.markNotQueued(sessionID, reason, deps.clock.now()).catch(() => undefined);
      out.push({ sessionID, replayed: false, reason: `${reason}; the sweep sends it again` });
      continue;
    }
    out.push({ sessionID, replayed: true });
  }
  return out;
}

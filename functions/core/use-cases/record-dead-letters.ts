import { parseGrabMessage } from '../grab-message.ts';
import type { Clock, DeadLetterQueue, SessionStore } from '../ports.ts';
import { isTerminal } from '../session.ts';

export interface DeadLetterRecordReport {
  /** sessions that had no outcome and now say `failed`, with why */
  readonly recorded: readonly string[];
  /** dead letters whose session already ended (the last delivery recorded it) */
  readonly alreadyEnded: number;
  /** bodies that are not grab messages, or name no session */
  readonly unreadable: number;
}

/**
 * Every dead-lettered grab ends in a recorded state: a session with no outcome (the worker timed out,
 * died, or could not start on every delivery) is recorded `failed` with the reason. The messages stay
 * in the DLQ for `ceb-grab redrive` (a redrive moves `failed` back through the queue once the cause is
 * fixed: the worker claims it again only after a replay). Safe to run every minute: an ended session
 * is left alone.
 */
export async function recordDeadLetters(deps: {
  readonly dlq: DeadLetterQueue;
  readonly sessions: SessionStore;
  readonly clock: Clock;
  /** the grab queue's maxReceiveCount: the receives a dead letter had */
  readonly maxReceives: number;
  readonly limit?: number;
}): Promise<DeadLetterRecordReport> {
  const recorded: string[] = [];
  let alreadyEnded = 0;
  let unreadable = 0;
  const seen = new Set<string>();
  const limit = deps.limit ?? 1_000;
  while (seen.size < limit) {
    const batch = (await deps.dlq.receive()).filter((l) => !seen.has(l.messageId));
    if (batch.length === 0) break;
    for (const letter of batch) {
      seen.add(letter.messageId);
      let sessionID: string;
      try {
        sessionID = parseGrabMessage(letter.body).sessionID;
      } catch {
        unreadable++;
        continue;
      }
      const session = await deps.sessions.get(sessionID);
      if (!session) {
        unreadable++;
        continue;
      }
      if (isTerminal(session.state)) {
        alreadyEnded++;
        continue;
      }
      const why = session.error ?? 'the worker recorded nothing: it timed out, died or could not start';
      const reason = `dead-lettered after ${deps.maxReceives} receives: ${why}`;
      if (await deps.sessions.markDeadLettered(sessionID, reason, deps.clock.now())) recorded.push(sessionID);
    }
  }
  return { recorded, alreadyEnded, unreadable };
}

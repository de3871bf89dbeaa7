import { parseGrabMessage } from '../grab-message.ts';
import type { DeadLetterQueue, GrabQueue } from '../ports.ts';

export interface RedriveReport {
  readonly moved: readonly { readonly sessionID: string; readonly orderNo: string }[];
  /** bodies that are not grab messages: left in the DLQ for a human */
  readonly kept: readonly { readonly messageId: string; readonly reason: string }[];
}

/**
 * Move grab messages from the DLQ back to the grab queue: send first, then delete, so a crash in
 * between duplicates a message (which the session's lease makes harmless) rather than losing it.
 * Safe to run twice: the second run finds the DLQ empty.
 */
export async function redriveDeadLetters(deps: {
  dlq: DeadLetterQueue;
  queue: GrabQueue;
  limit?: number;
}): Promise<RedriveReport> {
  const moved: { sessionID: string; orderNo: string }[] = [];
  const kept: { messageId: string; reason: string }[] = [];
  const seen = new Set<string>();
  const limit = deps.limit ?? 10_000;
  while (moved.length + kept.length < limit) {
    const batch = (await deps.dlq.receive()).filter((l) => !seen.has(l.messageId));
    if (batch.length === 0) break;
    for (const letter of batch) {
      seen.add(letter.messageId);
      let message: ReturnType<typeof parseGrabMessage>;
      try {
        message = parseGrabMessage(letter.body);
      } catch (e) {
        kept.push({
          messageId: letter.messageId,
          reason: `not a grab message: ${(e as Error).message.slice(0, 120)}`,
        });
        continue;
      }
      await deps.queue.send(message);
      await deps.dlq.delete(letter);
      moved.push({ sessionID: message.sessionID, orderNo: message.orderNo });
    }
  }
  return { moved, kept };
}

import { CebGrabError } from '../errors.ts';
import type { Clock, GrabQueue, SessionStore } from '../ports.ts';
import type { GrabRequest } from '../protocol/grab-request.ts';

/** The grab could not be queued now; customs should send it again (it does retry). */
export class GrabNotQueuedError extends CebGrabError {
  readonly retryable = true;
}

export type AcceptGrabResult =
  /** New session, recorded and queued. */
  | { readonly status: 'queued'; readonly receivedAt: number }
  /** customs sent a sessionID we already hold: nothing to do (a sessionID is uploaded once). */
  | { readonly status: 'duplicate'; readonly state: string; readonly orderNoDiffers: boolean }
  /** A repeat of a grab we recorded but failed to queue: queued now. */
  | { readonly status: 'requeued' };

export interface AcceptGrabDeps {
  readonly sessions: SessionStore;
  readonly queue: GrabQueue;
  readonly clock: Clock;
}

/**
 * Record the grab and queue it, once per sessionID. The record is a conditional write (not a read
 * then a write), so customs' retries and concurrent deliveries queue a session exactly once.
 * Unknown orders are accepted too: customs' registration audit grabs sampled orders.
 */
export async function acceptGrab(grab: GrabRequest, deps: AcceptGrabDeps): Promise<AcceptGrabResult> {
  const receivedAt = deps.clock.now();
  const result = await deps.sessions.create({
    sessionID: grab.sessionID,
    orderNo: grab.orderNo,
    receivedAt,
    ...(grab.serviceTime === undefined ? {} : { serviceTime: grab.serviceTime }),
  });

  if (result.created) {
    await enqueue(deps, { sessionID: grab.sessionID, orderNo: grab.orderNo, receivedAt });
    return { status: 'queued', receivedAt };
  }

  const existing = result.existing;
  if (existing.state === 'received') {
    // An earlier delivery was recorded but never reached the queue.
    if (await deps.sessions.markQueued(existing.sessionID, deps.clock.now(), ['received'])) {
      await enqueue(deps, {
        sessionID: existing.sessionID,
        orderNo: existing.orderNo,
        receivedAt: existing.receivedAt,
      });
      return { status: 'requeued' };
    }
  }
  return { status: 'duplicate', state: existing.state, orderNoDiffers: existing.orderNo !== grab.orderNo };
}

async function enqueue(
  deps: AcceptGrabDeps,
  message: { sessionID: string; orderNo: string; receivedAt: number },
) {
  try {
    await deps.queue.send(message);
  } catch (e) {
    const reason = `could not queue the grab: ${e instanceof Error ? e.message : String(e)}`;
    await deps.sessions.markNotQueued(message.sessionID, reason, deps.clock.now()).catch(() => undefined);
    throw new GrabNotQueuedError(reason, { cause: e });
  }
}

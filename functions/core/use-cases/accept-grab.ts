import { CebGrabError } from '../errors.ts';
import type { Clock, GrabMessage, GrabQueue, SessionStore } from '../ports.ts';
import type { GrabRequest } from '../protocol/grab-request.ts';
import { NOT_QUEUED_STATE } from '../session-lifecycle.ts';
import { isStaleQueued, requeueSession } from './requeue-stuck.ts';

/** The grab could not be queued now; customs should send it again (it does retry). */
export class GrabNotQueuedError extends CebGrabError {
  readonly retryable = true;
}

export type AcceptGrabResult =
  /** New session, recorded and queued. */
  | { readonly status: 'queued'; readonly receivedAt: number }
  /** customs sent a sessionID we already hold: nothing to do (a sessionID is uploaded once). */
  | { readonly status: 'duplicate'; readonly state: string; readonly orderNoDiffers: boolean }
  /** A repeat of a grab we recorded but never queued (or whose message was lost): queued now. */
  | { readonly status: 'requeued' };

export interface AcceptGrabDeps {
  readonly sessions: SessionStore;
  readonly queue: GrabQueue;
  readonly clock: Clock;
}

/**
 * Record the grab and queue it, once per sessionID. The record is a conditional write (not a read
 * then a write), so customs' retries and concurrent deliveries record a session once. It is written
 * `received` and marked `queued` only after the send, so a crash between the two leaves a session that
 * customs' repeated grab (here, at once) and the sweep (requeue-stuck.ts) queue again.
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
    const message = { sessionID: grab.sessionID, orderNo: grab.orderNo, receivedAt };
    await send(deps, message);
    // The message is out: a failure to say so leaves it `received`, which a worker claims all the same.
    await deps.sessions.markQueued(grab.sessionID, deps.clock.now(), [NOT_QUEUED_STATE]).catch(() => false);
    return { status: 'queued', receivedAt };
  }

  const existing = result.existing;
  const orderNoDiffers = existing.orderNo !== grab.orderNo;
  if (orderNoDiffers) {
    // The first order is the one uploaded; customs' audit still expects 10000. Noted for an operator
    // (best effort: the reply does not wait on it, the handler logs and counts it either way).
    await deps.sessions
      .recordOtherOrder(existing.sessionID, grab.orderNo, deps.clock.now())
      .catch(() => undefined);
  }
  // Recorded but maybe never sent (an earlier request died or the queue refused it): send it now.
  if (existing.state === NOT_QUEUED_STATE || isStaleQueued(existing, deps.clock.now())) {
    try {
      if (await requeueSession(existing, deps)) return { status: 'requeued' };
    } catch (e) {
      await notQueued(deps, existing.sessionID, e);
    }
  }
  return { status: 'duplicate', state: existing.state, orderNoDiffers };
}

async function send(deps: AcceptGrabDeps, message: GrabMessage) {
  try {
    await deps.queue.send(message);
  } catch (e) {
    await notQueued(deps, message.sessionID, e);
  }
}

/** Keep the reason on the session (best effort: it is `received` either way) and ask customs to retry. */
async function notQueued(deps: AcceptGrabDeps, sessionID: string, e: unknown): Promise<never> {
  const reason = `could not queue the grab: ${e instanceof Error ? e.message : String(e)}`;
  await deps.sessions.markNotQueued(sessionID, reason, deps.clock.now()).catch(() => undefined);
  throw new GrabNotQueuedError(reason, { cause: e });
}

import type { Clock, GrabQueue, SessionStore } from '../ports.ts';
import type { Payment } from '../protocol/payment.ts';
import { isUploadOf } from '../uploaded-version.ts';

/**
 * A payment was stored (new, or with different content). Grabs of its orders that ended `no-data`
 * (customs grabbed before the payment arrived) go back to the queue, so customs still gets its upload.
 * Sessions customs already holds an upload of are never sent again on their own: when the payment
 * changed under them, they are reported (the upload customs holds is an older version).
 * markQueued is conditional on the state, so two triggers (a load and the table's stream) never queue
 * one session twice.
 */

export interface ReplayWaitingDeps {
  readonly sessions: Pick<SessionStore, 'listByOrder' | 'get' | 'markQueued' | 'markNotQueued'>;
  readonly queue: GrabQueue;
  readonly clock: Clock;
}

export interface WaitingReplayError {
  readonly orderNo: string;
  readonly sessionID?: string;
  readonly error: string;
}

export interface ReplayWaitingResult {
  /** `no-data` sessions queued again */
  readonly replayed: number;
  readonly errors: readonly WaitingReplayError[];
  /** uploaded sessions whose upload no longer matches the payment as stored now */
  readonly outdated: readonly { readonly orderNo: string; readonly sessionID: string }[];
}

/** `orderNos`: only these of the payment's orders (a stream record is one order's item); default all. */
export async function replayWaitingGrabs(
  payment: Payment,
  deps: ReplayWaitingDeps,
  orderNos: readonly string[] = payment.orders.map((o) => o.orderNo),
): Promise<ReplayWaitingResult> {
  const perOrder = await Promise.all(orderNos.map((orderNo) => replayOrder(orderNo, payment, deps)));
  return {
    replayed: perOrder.reduce((n, r) => n + r.replayed, 0),
    errors: perOrder.flatMap((r) => r.errors),
    outdated: perOrder.flatMap((r) => r.outdated),
  };
}

async function replayOrder(
  orderNo: string,
  payment: Payment,
  deps: ReplayWaitingDeps,
): Promise<ReplayWaitingResult> {
  const errors: WaitingReplayError[] = [];
  const outdated: { orderNo: string; sessionID: string }[] = [];
  let replayed = 0;
  let sessions: Awaited<ReturnType<SessionStore['listByOrder']>>;
  try {
    sessions = await deps.sessions.listByOrder(orderNo);
  } catch (error) {
    return {
      replayed,
      outdated,
      errors: [{ orderNo, error: `could not list its grab sessions: ${errorText(error)}` }],
    };
  }
  for (const listed of sessions) {
    const { sessionID } = listed;
    if (listed.state === 'uploaded') {
      // The index holds no upload (session-index.ts): read it whole to compare.
      const session = (await deps.sessions.get(sessionID).catch(() => undefined)) ?? listed;
      if (isUploadOf(session, payment) === false) outdated.push({ orderNo, sessionID });
      continue;
    }
    if (listed.state !== 'no-data') continue;
    try {
      if (!(await deps.sessions.markQueued(sessionID, deps.clock.now(), ['no-data']))) continue;
      try {
        await deps.queue.send({ sessionID, orderNo, receivedAt: listed.receivedAt });
      } catch (error) {
        // Marked queued but never sent: put it where a retry of the grab re-queues it.
        await deps.sessions.markNotQueued(
          sessionID,
          `replay after its payment arrived: ${errorText(error)}`,
          deps.clock.now(),
        );
        throw error;
      }
      replayed++;
    } catch (error) {
      errors.push({ orderNo, sessionID, error: `could not queue it again: ${errorText(error)}` });
    }
  }
  return { replayed, errors, outdated };
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

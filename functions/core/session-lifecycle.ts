import type { Session, SessionState, UploadPrepared } from './session.ts';

/**
 * The session state machine as data: the store builds its conditional writes from it, so a write
 * the table does not allow is refused by DynamoDB itself, whichever worker or tool attempts it.
 */

/**
 * The state a grab is created in: recorded, not yet known to be on the queue. It becomes `queued` only
 * after the send succeeded, so a crash between the record and the send leaves a state that the sweep
 * and customs' repeated grab act on (use-cases/requeue-stuck.ts).
 */
export const INITIAL_STATE = 'received' satisfies SessionState;

/** The state a worker holds under a lease; it may be taken over once the lease has run out. */
export const LEASED_STATE = 'uploading' satisfies SessionState;

/** The state a session goes back to when it is queued again (re-queue, replay, late payment data). */
export const REQUEUED_STATE = 'queued' satisfies SessionState;

/** The state a grab that could not be queued is kept in, so a retry of the grab or the sweep re-queues it. */
export const NOT_QUEUED_STATE = 'received' satisfies SessionState;

/** Every move a session may make; any other is refused by the store. */
export const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  // -> failed: its message was dead-lettered with no outcome recorded (use-cases/record-dead-letters.ts)
  received: ['queued', 'uploading', 'failed'],
  queued: ['received', 'uploading', 'failed'],
  // uploading -> uploading: a worker takes over a lease that ran out
  uploading: ['uploading', 'uploaded', 'rejected', 'failed', 'no-data', 'retrying'],
  retrying: ['uploading', 'failed'],
  // customs holds it: nothing may undo that
  uploaded: [],
  rejected: ['queued'],
  failed: ['queued'],
  // queued when its payment data is loaded; retrying or failed when the payment arrived while it was recorded
  'no-data': ['queued', 'retrying', 'failed'],
};

export const canMove = (from: SessionState, to: SessionState): boolean => TRANSITIONS[from].includes(to);

/** The states a session may move to `to` from, in table order. */
export const sourcesOf = (to: SessionState): SessionState[] =>
  (Object.keys(TRANSITIONS) as SessionState[]).filter((from) => canMove(from, to));

/**
 * The states a dead-lettered grab's session may be recorded `failed` from: nothing holds it (a lease
 * that ran out counts too), and it has no outcome.
 */
export const DEAD_LETTERED_FROM: readonly SessionState[] = ['received', 'queued', 'retrying'];

/**
 * The states a session waits in for the worker, nobody holding it and no outcome: where it keeps why
 * it is still waiting (e.g. the worker could not start), which the dead-letter record repeats.
 */
export const WAITING_STATES: readonly SessionState[] = DEAD_LETTERED_FROM;

/** The states a worker may claim outright; `LEASED_STATE` only once its lease has run out. */
export const CLAIMABLE_STATES: readonly SessionState[] = sourcesOf(LEASED_STATE).filter(
  (s) => s !== LEASED_STATE,
);

/** The attributes that together are the prepared upload: stored, kept and dropped as one. */
export const PREPARED_ATTRIBUTES = ['guid', 'certNo', 'payExInfoStr', 'orderNos', 'preparedAt'] as const;
export type PreparedAttribute = (typeof PREPARED_ATTRIBUTES)[number];

export const preparedAttributes = (p: UploadPrepared): Required<Pick<Session, PreparedAttribute>> => ({
  guid: p.guid,
  certNo: p.certNo,
  payExInfoStr: p.payExInfoStr,
  orderNos: [...p.orderNos],
  preparedAt: p.at,
});

/**
 * What a re-queue drops: a replay rebuilds the payload from the payment data as it is now, and the
 * last attempt's error, lease and end no longer describe the session. `mayHaveReachedCustoms` stays:
 * customs keeps what an earlier try left there, so a replay answered 入库失败 is told it was ours.
 */
export const CLEARED_ON_REQUEUE: readonly (keyof Session)[] = [
  'error',
  'leaseUntil',
  ...PREPARED_ATTRIBUTES,
  'finishedAt',
];

import * as v from 'valibot';

/**
 * A grab session's life: customs' grab is recorded `received`, and `queued` once the queue took it; the worker takes it
 * (`uploading`), then it ends `uploaded` (customs said 10000), `rejected` (customs said 2000x),
 * `failed` (we could not produce a valid signed upload, or retries ran out) or `no-data` (we hold
 * no payment for the order; loading the payment later replays it). `retrying` waits for the queue
 * to deliver it again. Which moves are allowed: session-lifecycle.ts.
 */
export const SESSION_STATES = [
  'received',
  'queued',
  'uploading',
  'retrying',
  'uploaded',
  'rejected',
  'failed',
  'no-data',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const TERMINAL_STATES: readonly SessionState[] = ['uploaded', 'rejected', 'failed', 'no-data'];
export const isTerminal = (s: SessionState): boolean => TERMINAL_STATES.includes(s);

const optionalNumber = v.optional(v.number());
const optionalString = v.optional(v.string());
const optionalBoolean = v.optional(v.boolean());

/** A session row as read back from the store (valibot at every boundary). */
export const SessionSchema = v.object({
  sessionID: v.string(),
  orderNo: v.string(),
  state: v.picklist(SESSION_STATES),
  serviceTime: optionalNumber,
  receivedAt: v.number(),
  queuedAt: optionalNumber,
  updatedAt: v.number(),
  attempts: v.number(),
  leaseUntil: optionalNumber,
  firstAttemptAt: optionalNumber,
  // the prepared upload
  guid: optionalString,
  certNo: optionalString,
  payExInfoStr: optionalString,
  orderNos: v.optional(v.array(v.string())),
  preparedAt: optionalNumber,
  /**
   * A try of ours whose answer we never read (lost, timed out, 5xx) may have reached customs: set
   * just before a delivery's first send (markSending), so a crash after it still counts and a crash
   * before it does not; an outcome sets it to what its tries showed (a refused connection did not reach
   * it, a 2000x was refused). A claim reads it as earlier attempts left it. Kept through a replay:
   * customs keeps what got there.
   */
  mayHaveReachedCustoms: optionalBoolean,
  // the outcome
  customsCode: optionalString,
  customsMessage: optionalString,
  error: optionalString,
  finishedAt: optionalNumber,
  uploadedAt: optionalNumber,
  /** grab received -> customs accepted, ms */
  latencyMs: optionalNumber,
  /**
   * `uploaded` inferred, not seen: customs answered a retry 入库失败 (it holds this sessionID) after an
   * earlier try of ours whose reply was lost may have reached it.
   */
  inferred: optionalBoolean,
  /** orderNos customs later sent with this sessionID: the first order is kept, these are for an operator */
  otherOrderNos: v.optional(v.array(v.string())),
});
export type Session = v.InferOutput<typeof SessionSchema>;

export interface UploadPrepared {
  readonly guid: string;
  readonly certNo: string;
  readonly payExInfoStr: string;
  readonly orderNos: readonly string[];
  readonly at: number;
  /**
   * The session's expiry (TTL, epoch seconds) its payment implies (core/retention.ts sessionExpiresAt),
   * written with the payload when later than the session's; not one of the prepared attributes, so a
   * re-queue that drops the payload keeps it.
   */
  readonly expiresAt?: number;
}

/** What every outcome may also say: whether a try of ours may have reached customs, as far as it knows. */
interface OutcomeReach {
  readonly mayHaveReachedCustoms?: boolean;
}

export type SessionOutcome = OutcomeReach &
  (
    | {
        readonly state: 'uploaded';
        readonly customsCode: string;
        readonly customsMessage: string;
        readonly at: number;
        /** grab received -> customs accepted */
        readonly latencyMs: number;
        /** inferred from 入库失败 after a try whose reply was lost (Session.inferred) */
        readonly inferred?: boolean;
      }
    | {
        readonly state: 'rejected';
        readonly customsCode: string;
        readonly customsMessage: string;
        readonly at: number;
      }
    | {
        readonly state: 'failed';
        readonly error: string;
        readonly at: number;
        /** customs' reply, when customs' refusal is what ended it */
        readonly customsCode?: string;
        readonly customsMessage?: string;
      }
    | { readonly state: 'no-data'; readonly error: string; readonly at: number }
    | { readonly state: 'retrying'; readonly error: string; readonly at: number }
  );

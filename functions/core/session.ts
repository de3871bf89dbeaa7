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
  // the outcome
  customsCode: optionalString,
  customsMessage: optionalString,
  error: optionalString,
  finishedAt: optionalNumber,
  uploadedAt: optionalNumber,
  /** grab received -> customs accepted, ms */
  latencyMs: optionalNumber,
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
}

export type SessionOutcome =
  | {
      readonly state: 'uploaded';
      readonly customsCode: string;
      readonly customsMessage: string;
      readonly at: number;
      /** grab received -> customs accepted */
      readonly latencyMs: number;
    }
  | {
      readonly state: 'rejected';
      readonly customsCode: string;
      readonly customsMessage: string;
      readonly at: number;
    }
  | { readonly state: 'failed'; readonly error: string; readonly at: number }
  | { readonly state: 'no-data'; readonly error: string; readonly at: number }
  | { readonly state: 'retrying'; readonly error: string; readonly at: number };

import type { CertificateInfo, SignAlgorithm } from './crypto/certificate.ts';
import type { Payment } from './protocol/payment.ts';
import type { Session, SessionOutcome, UploadPrepared } from './session.ts';

/**
 * Ports: what the use cases need from the world, owned by the core. Adapters (DynamoDB, SQS, HTTP,
 * signing devices) implement them; tests pass fakes or real adapters against the local emulator.
 */

export interface SignResult {
  readonly signValue: string;
  readonly certNo: string;
  readonly algorithm: SignAlgorithm;
}

export type SignerKind = 'soft' | 'hsm-proxy' | 'kms';

/** Which key signs for an ebpCode, and the certificate registered with customs for it. */
export interface SigningKey {
  readonly ebpCode: string;
  readonly signer: SignerKind;
  /** the key's name at the signer: a proxy key id, a KMS key id or ARN; `soft` for a software key */
  readonly keyId: string;
  readonly certificate: CertificateInfo;
}

/** Signs sign sources with the enterprise's E-Port key: a soft key, an HSM/Ukey proxy or KMS. */
export interface Signer {
  /** `data` is the sign source; its UTF-8 bytes are what gets signed, with `key`. */
  sign(data: string, key: SigningKey): Promise<SignResult>;
}

/**
 * The certificates registered with customs, per e-commerce platform code (ebpCode); one platform
 * may run several e-commerce entities, each with its own certificate and key.
 * Throws CertificateNotRegisteredError when the ebpCode has none.
 */
export interface CertificateRegistry {
  keyFor(ebpCode: string): Promise<SigningKey>;
}

export type CreateResult =
  | { readonly created: true }
  | { readonly created: false; readonly existing: Session };

export interface SessionStore {
  /**
   * Record a new grab in state `received` (INITIAL_STATE), only if the sessionID is new (a conditional
   * write). It is marked `queued` once the queue took it.
   */
  create(grab: {
    sessionID: string;
    orderNo: string;
    serviceTime?: number;
    receivedAt: number;
  }): Promise<CreateResult>;
  /**
   * The grab could not be queued: record it as `received` (or keep it there) with the reason, so a
   * retry of the grab or the sweep re-queues it.
   */
  markNotQueued(sessionID: string, reason: string, at: number): Promise<void>;
  /**
   * A session in one of `from` goes back to `queued` (re-queue, replay), dropping any prepared
   * payload so it is rebuilt from the payment data as it is now. False when it was in another state.
   */
  markQueued(sessionID: string, at: number, from: readonly Session['state'][]): Promise<boolean>;
  /**
   * Its message was dead-lettered and the session has no outcome: record `failed` with the reason
   * (from DEAD_LETTERED_FROM, or `uploading` whose lease ran out). False when it had moved on.
   */
  markDeadLettered(sessionID: string, reason: string, at: number): Promise<boolean>;
  /**
   * A session waiting for the worker (WAITING_STATES) keeps why it still waits, its state unchanged so
   * it is claimed as soon as the cause is fixed. False when it had moved on (held, or with an outcome).
   */
  noteWaitingReason(sessionID: string, reason: string): Promise<boolean>;
  /**
   * customs repeated the sessionID with another orderNo: the session keeps its first order and notes
   * this one (up to OTHER_ORDERS_KEPT, each once), so an operator sees it.
   */
  recordOtherOrder(sessionID: string, orderNo: string, at: number): Promise<void>;
  /**
   * A `queued` session last written at `seenAt` is being sent to the queue again (its message was never
   * sent or was lost): stamp it `at`, so no other sweep sends it too. False when it changed meanwhile.
   */
  markResent(sessionID: string, seenAt: number, at: number): Promise<boolean>;
  /**
   * Take the upload lease: `queued`/`retrying`/`received` (or `uploading` whose lease ran out)
   * -> `uploading`, attempts + 1. The returned session's `mayHaveReachedCustoms` is what earlier
   * attempts left (the claim does not change it: a worker that dies before `markSending` sent nothing).
   * Returns the session, or the terminal session if there is nothing left to do; throws
   * SessionBusyError when another worker holds a live lease.
   */
  claim(sessionID: string, now: number, leaseMs: number): Promise<{ claimed: boolean; session: Session }>;
  /**
   * `claim`, storing a payload built (for the session's `orderNo`) before the claim in the same
   * write. A payload an earlier attempt stored is kept, so the returned session carries the bytes
   * to send; the session's expiry its payment implies is written with it when later. Stores without
   * it are claimed first and get the payload from `recordPrepared`.
   */
  claimWithPayload?(
    sessionID: string,
    orderNo: string,
    now: number,
    leaseMs: number,
    prepared: UploadPrepared,
  ): Promise<{ claimed: boolean; session: Session }>;
  /**
   * Keep the exact payload before it is sent, so a retry sends the same bytes (and the session's expiry
   * its payment implies, when later). Only while the session is held at `attempt`.
   */
  recordPrepared(sessionID: string, attempt: number, prepared: UploadPrepared): Promise<void>;
  /**
   * The delivery is about to send: from here a crash counts as a try that may have reached customs
   * (`mayHaveReachedCustoms`). Written once per delivery, before its first try; only while the session
   * is still held at `attempt` (`uploading`), else it throws and nothing may be sent: the lease was lost.
   */
  markSending(sessionID: string, attempt: number): Promise<void>;
  /** The attempt's outcome; written only by the holder of the attempt. */
  recordOutcome(sessionID: string, attempt: number, outcome: SessionOutcome): Promise<void>;
  get(sessionID: string): Promise<Session | undefined>;
  listByOrder(orderNo: string): Promise<Session[]>;
  /** Sessions in `state` last written from `sinceMs` up to `untilMs` (both inclusive). */
  listByState(state: Session['state'], sinceMs?: number, untilMs?: number): Promise<Session[]>;
}

export type PutPaymentResult = 'created' | 'updated' | 'unchanged';

export interface PaymentStore {
  /** The payment that paid for this order, with every order of it; undefined when unknown. */
  findByOrder(orderNo: string): Promise<Payment | undefined>;
  /** Store a payment and its orders together; a payment identical to the stored one is not rewritten. */
  put(payment: Payment): Promise<PutPaymentResult>;
}

export interface GrabMessage {
  readonly sessionID: string;
  readonly orderNo: string;
  readonly receivedAt: number;
}

export interface GrabQueue {
  send(message: GrabMessage): Promise<void>;
}

/** A message that failed every delivery and sits in the grab queue's DLQ. */
export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiptHandle: string;
  readonly receiveCount: number;
}

export interface DeadLetterQueue {
  /** Up to a batch of messages, hidden from other readers while they are handled. */
  receive(): Promise<DeadLetter[]>;
  delete(letter: DeadLetter): Promise<void>;
}

/** The grab queue as its consumer sees a message it failed: bring it back sooner than the visibility timeout. */
export interface GrabRedelivery {
  redeliverIn(receiptHandle: string, seconds: number): Promise<void>;
}

export interface CustomsHttpReply {
  readonly status: number;
  readonly body: string;
}

/**
 * customs' realTimeDataUpload. Throws CustomsUnavailableError on transport failures, saying whether
 * the request may have reached customs.
 */
export interface CustomsClient {
  upload(payExInfoStr: string): Promise<CustomsHttpReply>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

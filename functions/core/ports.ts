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

/** Signs sign sources with the enterprise's E-Port key: a soft key, an HSM/Ukey proxy or KMS. */
export interface Signer {
  /** `data` is the sign source; its UTF-8 bytes are what gets signed. */
  sign(data: string, ebpCode: string): Promise<SignResult>;
}

/** The certificates registered with customs, per e-commerce platform code (ebpCode). */
export interface CertificateRegistry {
  certificateFor(ebpCode: string): Promise<CertificateInfo>;
}

export type CreateResult =
  | { readonly created: true }
  | { readonly created: false; readonly existing: Session };

export interface SessionStore {
  /** Record a new grab in state `queued`, only if the sessionID is new (a conditional write). */
  create(grab: {
    sessionID: string;
    orderNo: string;
    serviceTime?: number;
    receivedAt: number;
  }): Promise<CreateResult>;
  /** The grab could not be queued: record it as `received` with the reason, so a retry re-queues it. */
  markNotQueued(sessionID: string, reason: string, at: number): Promise<void>;
  /**
   * A session in one of `from` goes back to `queued` (re-queue, replay), dropping any prepared
   * payload so it is rebuilt from the payment data as it is now. False when it was in another state.
   */
  markQueued(sessionID: string, at: number, from: readonly Session['state'][]): Promise<boolean>;
  /**
   * Take the upload lease: `queued`/`retrying`/`received` (or `uploading` whose lease ran out)
   * -> `uploading`, attempts + 1. Returns the session, or the terminal session if there is
   * nothing left to do; throws SessionBusyError when another worker holds a live lease.
   */
  claim(sessionID: string, now: number, leaseMs: number): Promise<{ claimed: boolean; session: Session }>;
  /** Keep the exact payload before it is sent, so a retry sends the same bytes. */
  recordPrepared(sessionID: string, attempt: number, prepared: UploadPrepared): Promise<void>;
  /** The attempt's outcome; written only by the holder of the attempt. */
  recordOutcome(sessionID: string, attempt: number, outcome: SessionOutcome): Promise<void>;
  get(sessionID: string): Promise<Session | undefined>;
  listByOrder(orderNo: string): Promise<Session[]>;
  listByState(state: Session['state'], sinceMs?: number): Promise<Session[]>;
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

export interface CustomsHttpReply {
  readonly status: number;
  readonly body: string;
}

/** customs' realTimeDataUpload. Throws CustomsUnavailableError on transport failures. */
export interface CustomsClient {
  upload(payExInfoStr: string): Promise<CustomsHttpReply>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

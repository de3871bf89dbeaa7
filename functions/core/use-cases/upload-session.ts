import pRetry from 'p-retry';
import { checkValidity } from '../crypto/certificate-validity.ts';
import { verifySignature } from '../crypto/verify-signature.ts';
import { CebGrabError, CustomsUnavailableError, SelfCheckFailedError } from '../errors.ts';
import type {
  CertificateRegistry,
  Clock,
  CustomsClient,
  GrabMessage,
  PaymentStore,
  SessionStore,
  Signer,
  SigningKey,
} from '../ports.ts';
import { buildPayExchangeInfo, validatePayExchangeInfo } from '../protocol/pay-exchange-info.ts';
import { DUPLICATE_SESSION_MESSAGE } from '../protocol/reply-codes.ts';
import { assemblePayExInfoStr, serializePayExchangeInfo } from '../protocol/serialize.ts';
import { classifyUploadReply, type UploadVerdict } from '../protocol/upload-reply.ts';
import { sessionExpiresAt } from '../retention.ts';
import type { Session, SessionOutcome, UploadPrepared } from '../session.ts';
import { RETENTION_DAYS, UPLOAD_RETRY_MAX_MS, UPLOAD_RETRY_MIN_MS } from '../settings.ts';

export interface UploadDeps {
  readonly sessions: SessionStore;
  readonly payments: PaymentStore;
  readonly signer: Signer;
  readonly certificates: CertificateRegistry;
  readonly customs: CustomsClient;
  readonly clock: Clock;
  readonly newGuid: () => string;
  /** told when the certificate that signs has fewer than 30 days left (log and metric) */
  readonly onCertificateExpiring?: (key: SigningKey, daysLeft: number) => void;
  /** told when our own signature failed the self-check (metric) */
  readonly onSelfCheckFailed?: (key: SigningKey, reason: string) => void;
  readonly settings: {
    /** deliveries of one message before it would go to the DLQ; the last one records `failed` */
    readonly maxReceives: number;
    readonly leaseMs: number;
    /** tries of one upload within this delivery, on transport errors and 5xx */
    readonly uploadTries: number;
    readonly retryMinMs?: number;
    /** days a session is kept after its receipt or its payment's tradingTime (RETENTION_DAYS by default) */
    readonly retentionDays?: number;
  };
}

export interface UploadResult {
  readonly outcome: SessionOutcome['state'] | 'already-done';
  readonly session: Pick<Session, 'sessionID' | 'state'>;
  readonly detail: string;
  readonly latencyMs?: number;
  readonly customsCode?: string;
  /** what ended the session `failed`, for metrics and alarms by kind (signer, self-check, data, ...) */
  readonly cause?: unknown;
}

/** customs refused a retry whose earlier try may have been accepted: ask once more later. */
export class UncertainRejectionError extends CebGrabError {
  readonly retryable = true;
}

/** Thrown when the message must come back later (SQS redelivers it); the session says `retrying`. */
export class RetryLaterError extends CebGrabError {
  readonly retryable = true;
}

/**
 * One delivery of a grab: take the session's lease, build the payload of every order of the
 * payment, sign it, check our own signature, upload, and record what customs said. Permanent
 * problems end the session (`failed`, `rejected`, `no-data`) and the message is done; transient
 * ones throw RetryLaterError until the last delivery, which records `failed` rather than
 * letting the grab vanish into the DLQ.
 */
export async function uploadSession(
  message: GrabMessage,
  receiveCount: number,
  deps: UploadDeps,
): Promise<UploadResult> {
  const early = await prepareBeforeClaim(message, receiveCount, deps);
  const { claimed, session } = await claim(message, early, deps);
  if (!claimed) return { outcome: 'already-done', session, detail: `already ${session.state}` };
  // Earlier attempts' tries as the claim found them (a crash after a send counts: markSending set it first).
  const reach = new CustomsReach(session.mayHaveReachedCustoms ?? false);
  try {
    const payExInfoStr = await payloadToSend(session, early, deps);
    if (payExInfoStr === undefined) return await recordNoData(session, reach, deps);
    // From here a crash may leave an upload at customs; before it, nothing was sent. Throws when the
    // lease was lost (another worker holds the session): nothing is sent, and nothing can be recorded.
    await deps.sessions.markSending(session.sessionID, session.attempts);
    const { verdict, reachedBefore } = await uploadWithRetries(payExInfoStr, reach, deps);
    return await recordVerdict(session, verdict, reachedBefore, reach, receiveCount, deps);
  } catch (e) {
    return await recordFailure(session, e, reach, receiveCount, deps);
  }
}

/**
 * Whether a try of ours whose answer we never read may have reached customs (and so been accepted):
 * false while each such try surely did not (refused, no connection, cut before its body was written).
 * A try customs answered 2000x was read and refused: it adds nothing. What the outcome stores.
 */
class CustomsReach {
  constructor(private reached: boolean) {}
  tried(mayHaveReached: boolean): void {
    this.reached ||= mayHaveReached;
  }
  get mayHaveReached(): boolean {
    return this.reached;
  }
}

/**
 * Prepare: a first delivery finds the session without a payload (bar a duplicate message), so build
 * and sign it before claiming and store it with the claim, one write instead of two. Later deliveries
 * claim first: the payload is usually stored already.
 */
async function prepareBeforeClaim(
  message: GrabMessage,
  receiveCount: number,
  deps: UploadDeps,
): Promise<Preparation | undefined> {
  if (receiveCount > 1 || !deps.sessions.claimWithPayload) return undefined;
  return prepare(message, deps);
}

/** Claim: take the lease, storing a ready payload in the same write. */
function claim(
  message: GrabMessage,
  early: Preparation | undefined,
  deps: UploadDeps,
): Promise<{ claimed: boolean; session: Session }> {
  const { sessions, clock, settings } = deps;
  return early?.kind === 'ready' && sessions.claimWithPayload
    ? sessions.claimWithPayload(
        message.sessionID,
        message.orderNo,
        clock.now(),
        settings.leaseMs,
        early.prepared,
      )
    : sessions.claim(message.sessionID, clock.now(), settings.leaseMs);
}

/**
 * The bytes to upload for the claimed session, or none when we hold no payment for its order. What
 * an earlier attempt stored wins, so a retry sends the bytes prepared the first time; a payload made
 * now is stored before it is sent. Throws what kept it from being made.
 */
async function payloadToSend(
  session: Session,
  early: Preparation | undefined,
  deps: UploadDeps,
): Promise<string | undefined> {
  if (session.payExInfoStr !== undefined) return session.payExInfoStr;
  const prepared = early && early.orderNo === session.orderNo ? early : await prepare(session, deps);
  if (prepared.kind === 'failed') throw prepared.error;
  if (prepared.kind === 'no-data') return undefined;
  await deps.sessions.recordPrepared(session.sessionID, session.attempts, prepared.prepared);
  return prepared.prepared.payExInfoStr;
}

/** Record: the attempt's outcome, written by the holder of the attempt, as the delivery's result. */
async function record(
  session: Session,
  outcome: SessionOutcome,
  reach: CustomsReach,
  detail: string,
  deps: UploadDeps,
  extra: Partial<UploadResult> = {},
): Promise<UploadResult> {
  await deps.sessions.recordOutcome(session.sessionID, session.attempts, {
    ...outcome,
    mayHaveReachedCustoms: reach.mayHaveReached,
  });
  return {
    outcome: outcome.state,
    session: { sessionID: session.sessionID, state: outcome.state },
    detail,
    ...extra,
  };
}

async function recordNoData(session: Session, reach: CustomsReach, deps: UploadDeps): Promise<UploadResult> {
  const result = await record(
    session,
    {
      state: 'no-data',
      error: `no payment data for order ${session.orderNo}; loading it replays this session`,
      at: deps.clock.now(),
    },
    reach,
    'no payment data',
    deps,
  );
  // A load that stored the payment while we looked found no `no-data` session to replay yet:
  // look once more, and if the payment is there now, let the queue deliver the grab again.
  if (await deps.payments.findByOrder(session.orderNo)) {
    throw new RetryLaterError(
      `payment data for order ${session.orderNo} arrived while the grab was processed`,
    );
  }
  return result;
}

/**
 * customs' answer to the last try. `reachedBefore`: a try before it (this delivery's or an earlier
 * one's) may have reached customs, so a refusal may be about the retry rather than the upload.
 */
async function recordVerdict(
  session: Session,
  verdict: FinalVerdict,
  reachedBefore: boolean,
  reach: CustomsReach,
  receiveCount: number,
  deps: UploadDeps,
): Promise<UploadResult> {
  const at = deps.clock.now();
  if (verdict.kind === 'accepted') {
    const latencyMs = at - session.receivedAt;
    return record(
      session,
      { state: 'uploaded', customsCode: verdict.code, customsMessage: verdict.message, at, latencyMs },
      reach,
      verdict.message,
      deps,
      { latencyMs, customsCode: verdict.code },
    );
  }
  if (verdict.message.includes(DUPLICATE_SESSION_MESSAGE)) {
    if (reachedBefore) {
      // An earlier try reached customs but its answer was lost: customs already holds this session,
      // and only we upload our sessionIDs. Inferred, not seen: `status` says so.
      const latencyMs = at - session.receivedAt;
      return record(
        session,
        {
          state: 'uploaded',
          customsCode: verdict.code,
          customsMessage: verdict.message,
          inferred: true,
          at,
          latencyMs,
        },
        reach,
        'accepted on an earlier attempt whose reply was lost (inferred from 入库失败)',
        deps,
        { latencyMs, customsCode: verdict.code },
      );
    }
    // No try of ours could have got there: what customs holds is not our upload. Retrying cannot help.
    const error = `customs says this sessionID was already uploaded, but no try of ours could have reached it (${verdict.code}: ${verdict.message})`;
    return record(
      session,
      { state: 'failed', error, customsCode: verdict.code, customsMessage: verdict.message, at },
      reach,
      error,
      deps,
      { customsCode: verdict.code },
    );
  }
  if (reachedBefore) {
    // An earlier try may have been accepted and this refusal be about the retry itself: ask again on
    // the next delivery rather than record a rejection customs may not hold. The last one records it.
    if (receiveCount < deps.settings.maxReceives) {
      throw new UncertainRejectionError(
        `customs refused a retry whose earlier try may have been accepted (${verdict.code}: ${verdict.message}); asking again`,
      );
    }
  }
  return record(
    session,
    { state: 'rejected', customsCode: verdict.code, customsMessage: verdict.message, at },
    reach,
    `customs ${verdict.code}: ${verdict.message}`,
    deps,
    { customsCode: verdict.code },
  );
}

/**
 * A permanent problem, or the last delivery, ends the session `failed`; otherwise it says `retrying`
 * and the queue delivers the grab again.
 */
async function recordFailure(
  session: Session,
  e: unknown,
  reach: CustomsReach,
  receiveCount: number,
  deps: UploadDeps,
): Promise<UploadResult> {
  const reason = e instanceof Error ? e.message : String(e);
  const retryable = e instanceof CebGrabError ? e.retryable : true;
  if (!retryable) {
    return record(session, { state: 'failed', error: reason, at: deps.clock.now() }, reach, reason, deps, {
      cause: e,
    });
  }
  if (receiveCount >= deps.settings.maxReceives) {
    return record(
      session,
      { state: 'failed', error: `gave up after ${receiveCount} deliveries: ${reason}`, at: deps.clock.now() },
      reach,
      reason,
      deps,
      { cause: e },
    );
  }
  await deps.sessions.recordOutcome(session.sessionID, session.attempts, {
    state: 'retrying',
    error: reason,
    at: deps.clock.now(),
    mayHaveReachedCustoms: reach.mayHaveReached,
  });
  throw new RetryLaterError(reason, { cause: e });
}

/** A payload ready to store and send, no payment for the order, or why it could not be made. */
type Preparation = { readonly orderNo: string } & (
  | { readonly kind: 'ready'; readonly prepared: UploadPrepared }
  | { readonly kind: 'no-data' }
  | { readonly kind: 'failed'; readonly error: unknown }
);

/**
 * Build, validate, sign and self-check the payload of the order's whole payment. Never throws: a
 * failure is returned, and the caller records it once it holds the session.
 */
async function prepare(
  { sessionID, orderNo, receivedAt }: Pick<Session, 'sessionID' | 'orderNo' | 'receivedAt'>,
  deps: UploadDeps,
): Promise<Preparation> {
  try {
    const payment = await deps.payments.findByOrder(orderNo);
    if (!payment) return { orderNo, kind: 'no-data' };
    const guid = deps.newGuid();
    const info = validatePayExchangeInfo(buildPayExchangeInfo(payment, guid));
    const serialized = serializePayExchangeInfo(sessionID, info, deps.clock.now());
    const key = await signingKey(info.head.ebpCode, deps);
    const signature = await deps.signer.sign(serialized.signSource, key);
    const check = verifySignature({ signSource: serialized.signSource, ...signature }, key.certificate);
    if (!check.ok) {
      deps.onSelfCheckFailed?.(key, check.reason);
      throw new SelfCheckFailedError(`our own signature failed the self-check: ${check.reason}`);
    }
    return {
      orderNo,
      kind: 'ready',
      prepared: {
        guid,
        certNo: signature.certNo,
        payExInfoStr: assemblePayExInfoStr(serialized, signature),
        orderNos: info.lists.map((o) => o.orderNo),
        at: deps.clock.now(),
        expiresAt: sessionExpiresAt(payment, receivedAt, deps.settings.retentionDays ?? RETENTION_DAYS),
      },
    };
  } catch (error) {
    return { orderNo, kind: 'failed', error };
  }
}

/** The key that signs for `ebpCode`, telling when its certificate expires soon. */
async function signingKey(ebpCode: string, deps: UploadDeps): Promise<SigningKey> {
  const key = await deps.certificates.keyFor(ebpCode);
  const validity = checkValidity(key.certificate, deps.clock.now());
  if (validity.expiringSoon) deps.onCertificateExpiring?.(key, validity.expiresInDays);
  return key;
}

type FinalVerdict = Exclude<UploadVerdict, { kind: 'retry' }>;

/**
 * Upload, trying again on transport errors and 5xx. Every try is told to `reach`; `reachedBefore`
 * says whether a try before the one customs answered (this delivery's or an earlier one's) may have
 * reached customs.
 */
async function uploadWithRetries(
  payExInfoStr: string,
  reach: CustomsReach,
  deps: UploadDeps,
): Promise<{ verdict: FinalVerdict; reachedBefore: boolean }> {
  let reachedBefore = reach.mayHaveReached;
  const verdict = await pRetry(
    async () => {
      reachedBefore = reach.mayHaveReached;
      let reply: Awaited<ReturnType<CustomsClient['upload']>>;
      try {
        reply = await deps.customs.upload(payExInfoStr);
      } catch (e) {
        // Only the customs client can tell a request that never left; anything else may have gone.
        reach.tried(e instanceof CustomsUnavailableError ? e.mayHaveReachedCustoms : true);
        throw e;
      }
      const verdict = classifyUploadReply(reply.status, reply.body);
      // A 5xx or a reply we cannot read may come after customs stored the upload; a 2000x says it did not.
      reach.tried(verdict.kind !== 'rejected');
      if (verdict.kind === 'retry') throw new CustomsUnavailableError(verdict.reason);
      return verdict;
    },
    {
      retries: Math.max(0, deps.settings.uploadTries - 1),
      minTimeout: deps.settings.retryMinMs ?? UPLOAD_RETRY_MIN_MS,
      maxTimeout: UPLOAD_RETRY_MAX_MS,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof CustomsUnavailableError,
    },
  );
  return { verdict, reachedBefore };
}

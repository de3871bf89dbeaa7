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
import type { Session, SessionOutcome, UploadPrepared } from '../session.ts';
import { UPLOAD_RETRY_MAX_MS, UPLOAD_RETRY_MIN_MS } from '../settings.ts';

/** The steps of one delivery, as `UploadDeps.measure` sees them. */
export type UploadPhase =
  | 'read-payment'
  | 'build'
  | 'certificate'
  | 'sign'
  | 'self-check'
  | 'claim'
  | 'record-prepared'
  | 'upload'
  | 'record-outcome';

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
  /**
   * Runs each step of a delivery (`work` returns a promise for the asynchronous ones). Only the
   * benchmark (`npm run bench`) sets it, to time the steps; without it each step just runs.
   */
  readonly measure?: <T>(phase: UploadPhase, work: () => T) => T;
  readonly settings: {
    /** deliveries of one message before it would go to the DLQ; the last one records `failed` */
    readonly maxReceives: number;
    readonly leaseMs: number;
    /** tries of one upload within this delivery, on transport errors and 5xx */
    readonly uploadTries: number;
    readonly retryMinMs?: number;
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
  const { sessions, clock } = deps;
  const measure = deps.measure ?? unmeasured;
  // A first delivery finds the session without a payload (bar a duplicate message): build and sign it
  // before claiming, and store it with the claim, one write instead of two. What an earlier attempt
  // stored wins, so a retry still sends the bytes prepared the first time. Later deliveries claim first:
  // the payload is usually stored already.
  const early =
    receiveCount <= 1 && sessions.claimWithPayload
      ? await prepare(message.sessionID, message.orderNo, deps)
      : undefined;
  const { claimed, session } = await measure('claim', () =>
    early?.kind === 'ready' && sessions.claimWithPayload
      ? sessions.claimWithPayload(
          message.sessionID,
          message.orderNo,
          clock.now(),
          deps.settings.leaseMs,
          early.prepared,
        )
      : sessions.claim(message.sessionID, clock.now(), deps.settings.leaseMs),
  );
  if (!claimed) {
    return { outcome: 'already-done', session, detail: `already ${session.state}` };
  }
  const attempt = session.attempts;
  const finish = async (
    outcome: SessionOutcome,
    detail: string,
    extra: Partial<UploadResult> = {},
  ): Promise<UploadResult> => {
    await measure('record-outcome', () => sessions.recordOutcome(session.sessionID, attempt, outcome));
    return {
      outcome: outcome.state,
      session: { sessionID: session.sessionID, state: outcome.state },
      detail,
      ...extra,
    };
  };

  try {
    let payExInfoStr = session.payExInfoStr;
    // Prepared on an earlier attempt (not the payload this delivery just stored): it may have reached customs.
    const sentBefore =
      payExInfoStr !== undefined &&
      !(early?.kind === 'ready' && early.prepared.payExInfoStr === payExInfoStr);
    if (payExInfoStr === undefined) {
      const prepared =
        early && early.orderNo === session.orderNo
          ? early
          : await prepare(session.sessionID, session.orderNo, deps);
      if (prepared.kind === 'failed') throw prepared.error;
      if (prepared.kind === 'ready') {
        await measure('record-prepared', () =>
          sessions.recordPrepared(session.sessionID, attempt, prepared.prepared),
        );
        payExInfoStr = prepared.prepared.payExInfoStr;
      }
    }
    if (payExInfoStr === undefined) {
      const result = await finish(
        {
          state: 'no-data',
          error: `no payment data for order ${session.orderNo}; loading it replays this session`,
          at: clock.now(),
        },
        'no payment data',
      );
      // A load that stored the payment while we looked found no `no-data` session to replay yet:
      // look once more, and if the payment is there now, let the queue deliver the grab again.
      if (await measure('read-payment', () => deps.payments.findByOrder(session.orderNo))) {
        throw new RetryLaterError(
          `payment data for order ${session.orderNo} arrived while the grab was processed`,
        );
      }
      return result;
    }
    const sent = payExInfoStr;
    const { verdict, tries } = await measure('upload', () => uploadWithRetries(sent, deps));
    const at = clock.now();
    if (verdict.kind === 'accepted') {
      const latencyMs = at - session.receivedAt;
      return await finish(
        { state: 'uploaded', customsCode: verdict.code, customsMessage: verdict.message, at, latencyMs },
        verdict.message,
        { latencyMs, customsCode: verdict.code },
      );
    }
    if (verdict.kind === 'rejected' && (sentBefore || tries > 1)) {
      if (verdict.message.includes(DUPLICATE_SESSION_MESSAGE)) {
        // An earlier try reached customs but its answer was lost: customs already holds this session,
        // and only we upload our sessionIDs.
        const latencyMs = at - session.receivedAt;
        return await finish(
          {
            state: 'uploaded',
            customsCode: verdict.code,
            customsMessage: `accepted on an earlier attempt (customs now says: ${verdict.message})`,
            at,
            latencyMs,
          },
          'accepted on an earlier attempt',
          { latencyMs, customsCode: verdict.code },
        );
      }
      // An earlier try may have been accepted and this refusal be about the retry itself: ask again on
      // the next delivery rather than record a rejection customs may not hold. The last one records it.
      if (receiveCount < deps.settings.maxReceives) {
        throw new UncertainRejectionError(
          `customs refused a retry whose earlier try may have been accepted (${verdict.code}: ${verdict.message}); asking again`,
        );
      }
    }
    return await finish(
      { state: 'rejected', customsCode: verdict.code, customsMessage: verdict.message, at },
      `customs ${verdict.code}: ${verdict.message}`,
      { customsCode: verdict.code },
    );
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const retryable = e instanceof CebGrabError ? e.retryable : true;
    if (!retryable) return finish({ state: 'failed', error: reason, at: clock.now() }, reason, { cause: e });
    if (receiveCount >= deps.settings.maxReceives) {
      return finish(
        { state: 'failed', error: `gave up after ${receiveCount} deliveries: ${reason}`, at: clock.now() },
        reason,
        { cause: e },
      );
    }
    await measure('record-outcome', () =>
      sessions.recordOutcome(session.sessionID, attempt, {
        state: 'retrying',
        error: reason,
        at: clock.now(),
      }),
    );
    throw new RetryLaterError(reason, { cause: e });
  }
}

const unmeasured = <T>(_phase: UploadPhase, work: () => T): T => work();

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
async function prepare(sessionID: string, orderNo: string, deps: UploadDeps): Promise<Preparation> {
  const measure = deps.measure ?? unmeasured;
  try {
    const payment = await measure('read-payment', () => deps.payments.findByOrder(orderNo));
    if (!payment) return { orderNo, kind: 'no-data' };
    const guid = deps.newGuid();
    const { info, serialized } = measure('build', () => {
      const info = validatePayExchangeInfo(buildPayExchangeInfo(payment, guid));
      return { info, serialized: serializePayExchangeInfo(sessionID, info, deps.clock.now()) };
    });
    const key = await measure('certificate', async () => {
      const key = await deps.certificates.keyFor(info.head.ebpCode);
      const validity = checkValidity(key.certificate, deps.clock.now());
      if (validity.expiringSoon) deps.onCertificateExpiring?.(key, validity.expiresInDays);
      return key;
    });
    const signature = await measure('sign', () => deps.signer.sign(serialized.signSource, key));
    const check = measure('self-check', () =>
      verifySignature({ signSource: serialized.signSource, ...signature }, key.certificate),
    );
    if (!check.ok) {
      deps.onSelfCheckFailed?.(key, check.reason);
      throw new SelfCheckFailedError(`our own signature failed the self-check: ${check.reason}`);
    }
    const payExInfoStr = assemblePayExInfoStr(serialized, signature);
    return {
      orderNo,
      kind: 'ready',
      prepared: {
        guid,
        certNo: signature.certNo,
        payExInfoStr,
        orderNos: info.lists.map((o) => o.orderNo),
        at: deps.clock.now(),
      },
    };
  } catch (error) {
    return { orderNo, kind: 'failed', error };
  }
}

async function uploadWithRetries(
  payExInfoStr: string,
  deps: UploadDeps,
): Promise<{ verdict: Exclude<UploadVerdict, { kind: 'retry' }>; tries: number }> {
  let tries = 0;
  const verdict = await pRetry(
    async () => {
      tries++;
      const reply = await deps.customs.upload(payExInfoStr);
      const verdict = classifyUploadReply(reply.status, reply.body);
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
  return { verdict, tries };
}

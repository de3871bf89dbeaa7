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
import type { Session, SessionOutcome } from '../session.ts';

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
  const { claimed, session } = await sessions.claim(message.sessionID, clock.now(), deps.settings.leaseMs);
  if (!claimed) {
    return { outcome: 'already-done', session, detail: `already ${session.state}` };
  }
  const attempt = session.attempts;
  const finish = async (
    outcome: SessionOutcome,
    detail: string,
    extra: Partial<UploadResult> = {},
  ): Promise<UploadResult> => {
    await sessions.recordOutcome(session.sessionID, attempt, outcome);
    return {
      outcome: outcome.state,
      session: { sessionID: session.sessionID, state: outcome.state },
      detail,
      ...extra,
    };
  };

  try {
    const payExInfoStr = session.payExInfoStr ?? (await prepare(session, deps, attempt));
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
      if (await deps.payments.findByOrder(session.orderNo)) {
        throw new RetryLaterError(
          `payment data for order ${session.orderNo} arrived while the grab was processed`,
        );
      }
      return result;
    }
    // Prepared on an earlier attempt: that attempt may have reached customs.
    const sentBefore = session.payExInfoStr !== undefined;
    const { verdict, tries } = await uploadWithRetries(payExInfoStr, deps);
    const at = clock.now();
    if (verdict.kind === 'accepted') {
      const latencyMs = at - session.receivedAt;
      return await finish(
        { state: 'uploaded', customsCode: verdict.code, customsMessage: verdict.message, at, latencyMs },
        verdict.message,
        { latencyMs, customsCode: verdict.code },
      );
    }
    if (verdict.kind === 'rejected' && (sentBefore || tries > 1) && verdict.message.includes(DUPLICATE_SESSION_MESSAGE)) {
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
    await sessions.recordOutcome(session.sessionID, attempt, {
      state: 'retrying',
      error: reason,
      at: clock.now(),
    });
    throw new RetryLaterError(reason, { cause: e });
  }
}

/** Build, validate, sign, self-check and keep the exact payload; undefined when the order is unknown. */
async function prepare(session: Session, deps: UploadDeps, attempt: number): Promise<string | undefined> {
  const payment = await deps.payments.findByOrder(session.orderNo);
  if (!payment) return undefined;
  const guid = deps.newGuid();
  const info = validatePayExchangeInfo(buildPayExchangeInfo(payment, guid));
  const serialized = serializePayExchangeInfo(session.sessionID, info, deps.clock.now());
  const key = await deps.certificates.keyFor(info.head.ebpCode);
  const validity = checkValidity(key.certificate, deps.clock.now());
  if (validity.expiringSoon) deps.onCertificateExpiring?.(key, validity.expiresInDays);
  const signature = await deps.signer.sign(serialized.signSource, key);
  const check = verifySignature({ signSource: serialized.signSource, ...signature }, key.certificate);
  if (!check.ok) {
    deps.onSelfCheckFailed?.(key, check.reason);
    throw new SelfCheckFailedError(`our own signature failed the self-check: ${check.reason}`);
  }
  const payExInfoStr = assemblePayExInfoStr(serialized, signature);
  await deps.sessions.recordPrepared(session.sessionID, attempt, {
    guid,
    certNo: signature.certNo,
    payExInfoStr,
    orderNos: info.lists.map((o) => o.orderNo),
    at: deps.clock.now(),
  });
  return payExInfoStr;
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
      minTimeout: deps.settings.retryMinMs ?? 200,
      maxTimeout: 2_000,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof CustomsUnavailableError,
    },
  );
  return { verdict, tries };
}

import { type CertificateInfo, parseCertificate, sameCertNo, withCertNo } from '#core/crypto/certificate.ts';
import { CebGrabError } from '#core/errors.ts';
import type { CustomsKnowledge, UploadDecision } from './check-upload.ts';
import { newSessionID } from './session-id.ts';

/** One grab session as customs sees it. */
export interface SessionStatus {
  readonly sessionID: string;
  readonly orderNo: string;
  /** when customs sent the grab (or registered the session), ms */
  readonly sentAt: number;
  /** issued: no verdict yet; rejected: refused and never accepted */
  readonly status: 'issued' | 'accepted' | 'rejected';
  readonly grabsSent: number;
  readonly grabHttpStatus?: number;
  readonly grabError?: string;
  /** uploads received for this session, whatever their verdict */
  readonly uploads: number;
  /** the last verdict's code and message */
  readonly code?: string;
  readonly message?: string;
  readonly acceptedAt?: number;
  /** grab sent -> upload accepted, ms */
  readonly latencyMs?: number;
}

/** One upload as received, for tests to assert on. */
export interface UploadRecord {
  readonly seq: number;
  readonly receivedAt: number;
  /** the raw form field, undefined when it was absent */
  readonly payExInfoStr: string | undefined;
  readonly sessionID?: string;
  readonly accepted: boolean;
  readonly code: string;
  readonly message: string;
}

interface MutableSession {
  sessionID: string;
  orderNo: string;
  sentAt: number;
  grabsSent: number;
  grabHttpStatus?: number;
  grabError?: string;
  uploads: number;
  code?: string;
  message?: string;
  acceptedAt?: number;
}

interface Waiter {
  notify(sessionID: string): void;
  fail(e: Error): void;
}

export class SimulatorWaitTimeoutError extends CebGrabError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly pending: readonly string[],
    readonly sessions: readonly SessionStatus[],
  ) {
    super(message);
  }
}

/**
 * Everything the simulated customs knows and has seen, in memory. Mutations happen synchronously,
 * so checking an upload and recording its verdict cannot interleave with another upload.
 */
export class CustomsState {
  readonly #sessions = new Map<string, MutableSession>();
  readonly #certificates = new Map<string, CertificateInfo[]>();
  readonly #payments = new Map<string, readonly string[]>();
  readonly #paymentOfOrder = new Map<string, string>();
  readonly #acceptedGuids = new Set<string>();
  readonly #uploads: UploadRecord[] = [];
  readonly #waiters = new Set<Waiter>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A read-only view for checkUpload. */
  get knowledge(): CustomsKnowledge {
    return {
      sessions: this.#sessions,
      certificates: this.#certificates,
      payments: this.#payments,
      paymentOfOrder: this.#paymentOfOrder,
      acceptedGuids: this.#acceptedGuids,
    };
  }

  /** Register a certificate under the certNo the card reports (`certNo`), else its serial's hex. */
  registerCertificate(ebpCode: string, certificatePem: string, certNo?: string): CertificateInfo {
    const parsed = parseCertificate(certificatePem);
    const cert = certNo === undefined ? parsed : withCertNo(parsed, certNo);
    const list = this.#certificates.get(ebpCode) ?? [];
    if (!list.some((c) => sameCertNo(c.certNo, cert.certNo))) list.push(cert);
    this.#certificates.set(ebpCode, list);
    return cert;
  }

  /** What customs knows of a payment from the declarations: every order it paid. Re-declaring replaces. */
  declarePayment(payTransactionId: string, orderNos: readonly string[]): void {
    for (const old of this.#payments.get(payTransactionId) ?? []) this.#paymentOfOrder.delete(old);
    this.#payments.set(payTransactionId, [...new Set(orderNos)]);
    // An order is paid once: moving it to this payment takes it out of the one it was in.
    for (const orderNo of orderNos) {
      const previous = this.#paymentOfOrder.get(orderNo);
      if (previous !== undefined && previous !== payTransactionId) {
        this.#payments.set(
          previous,
          (this.#payments.get(previous) ?? []).filter((o) => o !== orderNo),
        );
      }
      this.#paymentOfOrder.set(orderNo, payTransactionId);
    }
  }

  /** A new session for a grab about to be sent, or an externally issued one (e.g. a recorded vector). */
  issueSession(orderNo: string, sessionID?: string, sentAt: number = this.now()): string {
    const id = sessionID ?? this.#freshSessionID();
    if (!this.#sessions.has(id))
      this.#sessions.set(id, { sessionID: id, orderNo, sentAt, grabsSent: 0, uploads: 0 });
    return id;
  }

  hasSession(sessionID: string): boolean {
    return this.#sessions.has(sessionID);
  }

  recordGrab(sessionID: string, outcome: { httpStatus: number } | { error: string }): void {
    const s = this.#sessions.get(sessionID);
    if (!s) return;
    s.grabsSent += 1;
    if ('error' in outcome) s.grabError = outcome.error;
    else {
      s.grabHttpStatus = outcome.httpStatus;
      delete s.grabError;
    }
  }

  recordUpload(payExInfoStr: string | undefined, decision: UploadDecision): UploadRecord {
    const receivedAt = this.now();
    const record: UploadRecord = {
      seq: this.#uploads.length + 1,
      receivedAt,
      payExInfoStr,
      ...(decision.sessionID === undefined ? {} : { sessionID: decision.sessionID }),
      accepted: decision.accepted,
      code: decision.code,
      message: decision.message,
    };
    this.#uploads.push(record);
    const s = decision.sessionID === undefined ? undefined : this.#sessions.get(decision.sessionID);
    if (s) {
      s.uploads += 1;
      s.code = decision.code;
      s.message = decision.message;
      if (decision.accepted) {
        s.acceptedAt = receivedAt;
        this.#acceptedGuids.add(decision.guid);
      }
    }
    if (decision.sessionID !== undefined) for (const w of [...this.#waiters]) w.notify(decision.sessionID);
    return record;
  }

  sessions(): SessionStatus[] {
    return [...this.#sessions.values()].map(toStatus);
  }

  session(sessionID: string): SessionStatus | undefined {
    const s = this.#sessions.get(sessionID);
    return s && toStatus(s);
  }

  uploads(sessionID?: string): UploadRecord[] {
    return sessionID === undefined
      ? [...this.#uploads]
      : this.#uploads.filter((u) => u.sessionID === sessionID);
  }

  /**
   * Resolve once `done` holds for every session (`done` must stay true once true, as verdicts do);
   * throw SimulatorWaitTimeoutError naming the rest. Each upload re-checks only its own session.
   */
  waitFor(
    sessionIDs: readonly string[],
    done: (s: SessionStatus) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<SessionStatus[]> {
    const unknown = sessionIDs.filter((id) => !this.#sessions.has(id));
    if (unknown.length > 0) {
      return Promise.reject(new Error(`customs simulator never issued session(s) ${unknown.join(', ')}`));
    }
    const statuses = () => sessionIDs.map((id) => this.session(id) as SessionStatus);
    const remaining = new Set(sessionIDs.filter((id) => !done(this.session(id) as SessionStatus)));
    if (remaining.size === 0) return Promise.resolve(statuses());
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        settle();
      };
      const waiter: Waiter = {
        notify: (id) => {
          const s = remaining.has(id) ? this.session(id) : undefined;
          if (s && done(s)) remaining.delete(id);
          if (remaining.size === 0) finish(() => resolve(statuses()));
        },
        fail: (e) => finish(() => reject(e)),
      };
      const timer = setTimeout(() => {
        const now = statuses();
        const pending = now.filter((s) => remaining.has(s.sessionID));
        const detail = pending
          .slice(0, 10)
          .map((s) => `${s.sessionID} (${s.status}${s.code ? ` ${s.code} ${s.message}` : ''})`)
          .join('; ');
        waiter.fail(
          new SimulatorWaitTimeoutError(
            `${pending.length} of ${sessionIDs.length} session(s) not ${what} after ${timeoutMs} ms: ${detail}`,
            pending.map((s) => s.sessionID),
            now,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Fail every pending wait: the simulator is going away. */
  abortWaits(reason: string): void {
    for (const w of [...this.#waiters]) w.fail(new Error(reason));
  }

  #freshSessionID(): string {
    let id = newSessionID();
    while (this.#sessions.has(id)) id = newSessionID();
    return id;
  }
}

function toStatus(s: MutableSession): SessionStatus {
  const status = s.acceptedAt !== undefined ? 'accepted' : s.code !== undefined ? 'rejected' : 'issued';
  return {
    sessionID: s.sessionID,
    orderNo: s.orderNo,
    sentAt: s.sentAt,
    status,
    grabsSent: s.grabsSent,
    ...(s.grabHttpStatus === undefined ? {} : { grabHttpStatus: s.grabHttpStatus }),
    ...(s.grabError === undefined ? {} : { grabError: s.grabError }),
    uploads: s.uploads,
    ...(s.code === undefined ? {} : { code: s.code, message: s.message ?? '' }),
    ...(s.acceptedAt === undefined ? {} : { acceptedAt: s.acceptedAt, latencyMs: s.acceptedAt - s.sentAt }),
  };
}

import { SessionBusyError } from '#core/errors.ts';
import type {
  CreateResult,
  CustomsClient,
  CustomsHttpReply,
  GrabMessage,
  GrabQueue,
  PaymentStore,
  PutPaymentResult,
  SessionStore,
} from '#core/ports.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { isTerminal, type Session, type SessionOutcome, type UploadPrepared } from '#core/session.ts';

/** In-memory stand-ins for the ports, for unit tests of the use cases (no network). */
export class MemorySessionStore implements SessionStore {
  readonly rows = new Map<string, Session>();

  async create(g: {
    sessionID: string;
    orderNo: string;
    serviceTime?: number;
    receivedAt: number;
  }): Promise<CreateResult> {
    const existing = this.rows.get(g.sessionID);
    if (existing) return { created: false, existing };
    this.rows.set(g.sessionID, {
      ...g,
      state: 'received',
      updatedAt: g.receivedAt,
      attempts: 0,
    });
    return { created: true };
  }
  async markNotQueued(sessionID: string, reason: string, at: number) {
    this.patch(sessionID, { state: 'received', error: reason, updatedAt: at });
  }
  async markQueued(sessionID: string, at: number, from: readonly Session['state'][]) {
    const s = this.rows.get(sessionID);
    if (!s || !from.includes(s.state)) return false;
    const { payExInfoStr: _p, guid: _g, certNo: _c, error: _e, ...rest } = s;
    this.rows.set(sessionID, { ...rest, state: 'queued', queuedAt: at, updatedAt: at });
    return true;
  }
  async markDeadLettered(sessionID: string, reason: string, at: number) {
    const s = this.rows.get(sessionID);
    const free =
      s &&
      (['received', 'queued', 'retrying'].includes(s.state) ||
        (s.state === 'uploading' && (s.leaseUntil ?? 0) < at));
    if (!s || !free) return false;
    this.rows.set(sessionID, {
      ...s,
      state: 'failed',
      error: reason,
      finishedAt: at,
      updatedAt: at,
      leaseUntil: undefined,
    } as Session);
    return true;
  }
  async noteWaitingReason(sessionID: string, reason: string) {
    const s = this.rows.get(sessionID);
    if (!s || !['received', 'queued', 'retrying'].includes(s.state)) return false;
    this.rows.set(sessionID, { ...s, error: reason });
    return true;
  }
  async recordOtherOrder(sessionID: string, orderNo: string, _at: number) {
    const s = this.rows.get(sessionID);
    if (!s || s.otherOrderNos?.includes(orderNo)) return;
    this.rows.set(sessionID, { ...s, otherOrderNos: [...(s.otherOrderNos ?? []), orderNo] });
  }
  async markResent(sessionID: string, seenAt: number, at: number) {
    const s = this.rows.get(sessionID);
    if (s?.state !== 'queued' || s.updatedAt !== seenAt) return false;
    this.rows.set(sessionID, { ...s, queuedAt: at, updatedAt: at });
    return true;
  }
  async claim(sessionID: string, now: number, leaseMs: number) {
    const s = this.rows.get(sessionID);
    if (!s) throw new Error(`session ${sessionID} does not exist`);
    if (isTerminal(s.state)) return { claimed: false, session: s };
    if (s.state === 'uploading' && (s.leaseUntil ?? 0) >= now) throw new SessionBusyError('busy');
    const next: Session = {
      ...s,
      state: 'uploading',
      attempts: s.attempts + 1,
      leaseUntil: now + leaseMs,
      updatedAt: now,
    };
    this.rows.set(sessionID, next);
    return { claimed: true, session: next };
  }
  async claimWithPayload(
    sessionID: string,
    orderNo: string,
    now: number,
    leaseMs: number,
    p: UploadPrepared,
  ) {
    const s = this.rows.get(sessionID);
    if (s && !isTerminal(s.state) && s.orderNo !== orderNo) throw new SessionBusyError('another order');
    const taken = await this.claim(sessionID, now, leaseMs);
    // A payload an earlier attempt stored is kept.
    if (!taken.claimed || taken.session.payExInfoStr !== undefined) return taken;
    this.extendExpiry(sessionID, p.expiresAt);
    const next: Session = {
      ...taken.session,
      guid: p.guid,
      certNo: p.certNo,
      payExInfoStr: p.payExInfoStr,
      orderNos: [...p.orderNos],
      preparedAt: p.at,
    };
    this.rows.set(sessionID, next);
    return { claimed: true, session: next };
  }
  async recordPrepared(sessionID: string, _attempt: number, p: UploadPrepared) {
    this.extendExpiry(sessionID, p.expiresAt);
    this.patch(sessionID, {
      guid: p.guid,
      certNo: p.certNo,
      payExInfoStr: p.payExInfoStr,
      orderNos: [...p.orderNos],
      preparedAt: p.at,
    });
  }
  async markSending(sessionID: string, attempt: number) {
    const s = this.rows.get(sessionID);
    if (s?.state !== 'uploading' || s.attempts !== attempt) throw new Error('lease lost');
    this.patch(sessionID, { mayHaveReachedCustoms: true });
  }
  async recordOutcome(sessionID: string, attempt: number, o: SessionOutcome) {
    const s = this.rows.get(sessionID);
    if (s?.attempts !== attempt) throw new Error('attempt mismatch');
    const { at, ...rest } = o;
    this.patch(sessionID, { ...rest, updatedAt: at, leaseUntil: undefined } as Partial<Session>);
  }
  async get(sessionID: string) {
    return this.rows.get(sessionID);
  }
  async listByOrder(orderNo: string) {
    return [...this.rows.values()].filter((s) => s.orderNo === orderNo);
  }
  async listByState(state: Session['state'], since = 0, until = Number.MAX_SAFE_INTEGER) {
    return [...this.rows.values()].filter(
      (s) => s.state === state && s.updatedAt >= since && s.updatedAt <= until,
    );
  }
  /** The TTL each session would carry in the table (not part of Session): never shortened. */
  readonly expiresAt = new Map<string, number>();
  private extendExpiry(sessionID: string, expiresAt: number | undefined) {
    if (expiresAt === undefined) return;
    this.expiresAt.set(sessionID, Math.max(this.expiresAt.get(sessionID) ?? 0, expiresAt));
  }
  private patch(sessionID: string, change: Partial<Session>) {
    const s = this.rows.get(sessionID);
    if (!s) throw new Error(`session ${sessionID} does not exist`);
    this.rows.set(sessionID, { ...s, ...change } as Session);
  }
}

export class MemoryPaymentStore implements PaymentStore {
  readonly byOrder = new Map<string, Payment>();
  async findByOrder(orderNo: string) {
    return this.byOrder.get(orderNo);
  }
  async put(p: Payment): Promise<PutPaymentResult> {
    const had = this.byOrder.get(p.orders[0]?.orderNo ?? '');
    for (const o of p.orders) this.byOrder.set(o.orderNo, p);
    return had ? (JSON.stringify(had) === JSON.stringify(p) ? 'unchanged' : 'updated') : 'created';
  }
}

export class MemoryQueue implements GrabQueue {
  readonly sent: GrabMessage[] = [];
  failNext = 0;
  async send(m: GrabMessage) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('queue unavailable');
    }
    this.sent.push(m);
  }
}

/** Customs that answers from a script: one reply (or thrown error) per upload, the last one repeating. */
export class ScriptedCustoms implements CustomsClient {
  readonly received: string[] = [];
  constructor(private readonly script: (CustomsHttpReply | Error)[]) {}
  async upload(payExInfoStr: string): Promise<CustomsHttpReply> {
    this.received.push(payExInfoStr);
    const next = this.script.length > 1 ? this.script.shift() : this.script[0];
    if (!next) throw new Error('no scripted reply');
    if (next instanceof Error) throw next;
    return next;
  }
}

export const customsReply = (code: string, message: string): CustomsHttpReply => ({
  status: 200,
  body: JSON.stringify({ code, message, total: 0, serviceTime: Date.now() }),
});

export const fixedClock = (start = Date.now()) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

import { deriveClearance, type TimelineEntry } from '../clearance/derive-state.ts';
import type { ClearanceStore } from '../clearance/ports.ts';
import type { ClearanceState } from '../clearance/return-status.ts';
import { customsReplyNote } from '../customs-reply-note.ts';
import type { PaymentStore, SessionStore } from '../ports.ts';
import { maskAccount } from '../redact.ts';
import type { Session } from '../session.ts';
import { isUploadOf, OUTDATED_UPLOAD_NOTE } from '../uploaded-version.ts';

export interface OrderStatusDeps {
  readonly sessions: Pick<SessionStore, 'get' | 'listByOrder'>;
  readonly payments: Pick<PaymentStore, 'findByOrder'>;
  readonly clearance: Pick<ClearanceStore, 'timeline' | 'orderOf'>;
}

export interface TimelineView {
  /** when it happened, by the sender's clock (ms), and the time exactly as sent */
  readonly eventAt: number;
  readonly eventTime?: string;
  readonly receivedAt: number;
  readonly source: TimelineEntry['source'];
  readonly code: string;
  readonly state: ClearanceState;
  readonly meaning: string;
  readonly info?: string;
  /** false when it came too late (or too old) to change the state, or its code is unknown */
  readonly applied: boolean;
  readonly partner: string;
  readonly refs: TimelineEntry['refs'];
}

export interface OrderStatus {
  readonly orderNo: string;
  /** the grab sessions: all of the order's, or the one asked about by sessionID */
  readonly sessions: readonly Session[];
  readonly payment: {
    readonly payCode: string;
    readonly payTransactionId: string;
    readonly totalAmount: number;
    readonly currency: string;
    readonly orders: readonly string[];
  } | null;
  readonly clearance: {
    readonly state: ClearanceState | 'none';
    /** what put the order in its state */
    readonly current: TimelineView | null;
    readonly timeline: readonly TimelineView[];
  };
  /** what an operator should know beyond the states, e.g. an upload older than the payment stored now */
  readonly notes: readonly string[];
  /** said when the uploads shown have their bank accounts (recpAccount) masked */
  readonly masked?: string;
}

/** The note on masked uploads: they are not what customs received, so they do not verify as they are. */
export const MASKED_NOTE =
  'recpAccount is masked in payExInfoStr, so it is not the exact upload and its signature does not verify ' +
  'as shown; `ceb-grab status <sessionID> --reveal` prints the upload exactly as stored';

export interface OrderStatusOptions {
  /** show the stored uploads exactly, bank accounts included (operators with read access to the table) */
  readonly reveal?: boolean;
}

/** Everything we know of an order: grab sessions, payment, clearance timeline and state. Undefined: nothing. */
export async function orderStatus(
  orderNo: string,
  deps: OrderStatusDeps,
  options: OrderStatusOptions = {},
): Promise<OrderStatus | undefined> {
  return build(orderNo, await withUploads(await deps.sessions.listByOrder(orderNo), deps), deps, options);
}

/** The byOrder index copies no stored upload (session-index.ts): a session that prepared one is read whole. */
function withUploads(listed: readonly Session[], deps: OrderStatusDeps): Promise<Session[]> {
  return Promise.all(
    listed.map(async (s) => (s.preparedAt === undefined ? s : ((await deps.sessions.get(s.sessionID)) ?? s))),
  );
}

/**
 * The same, asked by a sessionID (that session only), else by an orderNo, else by an inventory's copNo
 * (the declaring agent's number, which customs' inventory receipts carry) or customs' invtNo, once the
 * inventory is linked to its order.
 */
export async function statusBySessionOrOrder(
  id: string,
  deps: OrderStatusDeps,
  options: OrderStatusOptions = {},
): Promise<OrderStatus | undefined> {
  const session = await deps.sessions.get(id);
  if (session) return build(session.orderNo, [session], deps, options);
  const byOrder = await orderStatus(id, deps, options);
  if (byOrder) return byOrder;
  const linked = await deps.clearance.orderOf(id);
  return linked === undefined ? undefined : orderStatus(linked, deps, options);
}

async function build(
  orderNo: string,
  sessions: readonly Session[],
  deps: OrderStatusDeps,
  options: OrderStatusOptions,
): Promise<OrderStatus | undefined> {
  const [payment, events] = await Promise.all([
    deps.payments.findByOrder(orderNo),
    deps.clearance.timeline(orderNo),
  ]);
  if (sessions.length === 0 && !payment && events.length === 0) return undefined;
  const summary = deriveClearance(events);
  return {
    orderNo,
    sessions: options.reveal ? sessions : sessions.map(maskSession),
    payment: payment
      ? {
          payCode: payment.payCode,
          payTransactionId: payment.payTransactionId,
          totalAmount: payment.totalAmount,
          currency: payment.currency,
          orders: payment.orders.map((o) => o.orderNo),
        }
      : null,
    clearance: {
      state: summary.state,
      current: summary.current ? view(summary.current) : null,
      timeline: summary.timeline.map(view),
    },
    notes: [
      ...sessions.flatMap((s) => {
        const note = customsReplyNote(s);
        return note ? [`session ${s.sessionID}: ${note}`] : [];
      }),
      ...(payment
        ? sessions
            .filter((s) => s.state === 'uploaded' && isUploadOf(s, payment) === false)
            .map((s) => `session ${s.sessionID}: ${OUTDATED_UPLOAD_NOTE}`)
        : []),
    ],
    ...(!options.reveal && sessions.some((s) => s.payExInfoStr) ? { masked: MASKED_NOTE } : {}),
  };
}

function view(e: TimelineEntry): TimelineView {
  return {
    eventAt: e.eventAt,
    ...(e.eventTime === undefined ? {} : { eventTime: e.eventTime }),
    receivedAt: e.receivedAt,
    source: e.source,
    code: e.status.code,
    state: e.status.state,
    meaning: e.status.meaning,
    ...(e.info === undefined ? {} : { info: e.info }),
    applied: e.applied,
    partner: e.partner,
    refs: e.refs,
  };
}

/** Bank accounts in the stored payload are never shown in full. */
const maskSession = (s: Session): Session =>
  s.payExInfoStr ? { ...s, payExInfoStr: maskAccount(s.payExInfoStr) } : s;

import * as v from 'valibot';
import { describeNotice, describeReturnStatus, type StatusMeaning } from './return-status.ts';

/**
 * One clearance event of an order, as parsed from a callback: a customs receipt (CEB312 for the order,
 * CEB622 for the inventory list) or a clearance party's notice. Events are only ever appended; the
 * order's state is derived from all of them (derive-state.ts).
 */
export const EVENT_SOURCES = ['notice', 'CEB312', 'CEB622'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

const optionalString = v.optional(v.string());

/** References the sender gave, kept as sent so an operator can quote them to customs or the broker. */
export const EventRefsSchema = v.object({
  guid: optionalString,
  ebpCode: optionalString,
  ebcCode: optionalString,
  customsCode: optionalString,
  agentCode: optionalString,
  copNo: optionalString,
  preNo: optionalString,
  invtNo: optionalString,
  idempotent: optionalString,
  portNo: optionalString,
  passNo: optionalString,
});
export type EventRefs = v.InferOutput<typeof EventRefsSchema>;

export const ClearanceEventSchema = v.object({
  /**
   * The order; absent on an inventory receipt (CEB622) that names none: it is filed under its copNo and
   * joins the order's timeline through the copNo's link (inventory-link.ts).
   */
  orderNo: v.optional(v.string()),
  source: v.picklist(EVENT_SOURCES),
  /** Same key, same event: `CEB312#<guid>#<returnStatus>`, `notice#<idempotent>#<status>#<result>`. */
  dedupeKey: v.string(),
  /** receipts: customs' returnStatus */
  returnStatus: v.optional(v.number()),
  /** notices: 1 started, 2 result */
  clearanceStatus: v.optional(v.picklist([1, 2])),
  resultCode: optionalString,
  /** When it happened by the sender's clock (ms); the time of arrival when the sender gave none. */
  eventAt: v.number(),
  /** the time exactly as sent, if one was */
  eventTime: optionalString,
  /** customs' returnInfo, or the notice's customs_return_receipt */
  info: optionalString,
  refs: EventRefsSchema,
});
export type ClearanceEvent = v.InferOutput<typeof ClearanceEventSchema>;

/** An event as stored: who sent it, and when it arrived. */
export const RecordedEventSchema = v.object({
  ...ClearanceEventSchema.entries,
  partner: v.string(),
  receivedAt: v.number(),
});
export type RecordedEvent = v.InferOutput<typeof RecordedEventSchema>;

export function meaningOf(e: ClearanceEvent): StatusMeaning {
  if (e.source === 'notice') return describeNotice(e.clearanceStatus ?? 1, e.resultCode);
  return describeReturnStatus(e.returnStatus ?? Number.NaN);
}

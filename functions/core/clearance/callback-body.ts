import { CallbackRejectedError } from './errors.ts';
import type { ClearanceEvent } from './event.ts';
import { CEB621, ceb621Links, type InventoryLink, orderNamedIn } from './inventory-link.ts';
import { noticeToEvent } from './notice.ts';
import { RECEIPT_TYPES, type ReceiptType, receiptsToEvents } from './receipt.ts';
import { parseReceiptXml } from './receipt-xml.ts';

/**
 * A callback body -> its clearance events. Four shapes reach POST /clearance/callback:
 * - a notice as JSON: the notice object, or `{"order_clearance_info_request": {...}}`;
 * - a notice as a form: field `order_clearance_info_request` holding the notice's JSON;
 * - a customs receipt as XML: `<ceb:CEB312Message>` or `<ceb:CEB622Message>`;
 * - a customs receipt as JSON in the XML's shape: `{"CEB312Message": {"OrderReturn": {...}}}`.
 */
export const NOTICE_FIELD = 'order_clearance_info_request';

export function parseCallbackBody(
  contentType: string | undefined,
  bytes: Buffer,
  receivedAt: number,
): ClearanceEvent[] {
  return [...parseCallbackMessage(contentType, bytes, receivedAt).events];
}

/** What a callback carries: clearance events, and links of inventories (copNo) to their orders. */
export interface CallbackMessage {
  readonly events: readonly ClearanceEvent[];
  readonly links: readonly InventoryLink[];
}

/**
 * A callback body -> its events and links. A CEB621 inventory declaration gives links only; a CEB622
 * receipt that names its order (added orderNo, or returnInfo's `订单编号：…`) gives its link too.
 */
export function parseCallbackMessage(
  contentType: string | undefined,
  bytes: Buffer,
  receivedAt: number,
): CallbackMessage {
  const message = readBody(contentType, bytes, receivedAt);
  if ('links' in message) return message;
  return { events: message, links: linksOf(message) };
}

/** The links CEB622 receipts state themselves. */
export function linksOf(events: readonly ClearanceEvent[]): InventoryLink[] {
  return events.flatMap((e) =>
    e.source === 'CEB622' && e.orderNo !== undefined && e.refs.copNo !== undefined
      ? [
          {
            copNo: e.refs.copNo,
            orderNo: e.orderNo,
            source: orderNamedIn(e.info) === e.orderNo ? ('returnInfo' as const) : ('receipt' as const),
            ...(e.refs.ebpCode === undefined ? {} : { ebpCode: e.refs.ebpCode }),
          },
        ]
      : [],
  );
}

function readBody(
  contentType: string | undefined,
  bytes: Buffer,
  receivedAt: number,
): ClearanceEvent[] | CallbackMessage {
  const text = decodeText(bytes).trim();
  if (text === '') throw new CallbackRejectedError('PARAM_NOT_NULL', 'the body is empty');
  const type = contentType ?? '';

  if (/\bxml\b/i.test(type) || (!/json|form-urlencoded/i.test(type) && text.startsWith('<'))) {
    const { type: receipt, items } = parseReceiptXml(text);
    if (receipt === 'CEB621') return { events: [], links: ceb621Links(items) };
    return receiptsToEvents(receipt, items);
  }
  if (/form-urlencoded/i.test(type) && !text.startsWith('{')) {
    const field = new URLSearchParams(text).get(NOTICE_FIELD);
    if (field === null || field.trim() === '') {
      throw new CallbackRejectedError('PARAM_NOT_NULL', `form field ${NOTICE_FIELD} is missing`);
    }
    return [parseNoticeText(field, receivedAt)];
  }
  const json = parseJson(text, 'the body');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CallbackRejectedError('PARAM_INVALID', 'the body must be a JSON object');
  }
  const obj = json as Record<string, unknown>;
  const ceb621 = obj[CEB621.message];
  if (ceb621 !== undefined) {
    const items =
      typeof ceb621 === 'object' && ceb621 !== null
        ? (ceb621 as Record<string, unknown>)[CEB621.item]
        : undefined;
    return { events: [], links: ceb621Links(items) };
  }
  for (const [receipt, { message, item }] of Object.entries(RECEIPT_TYPES) as [
    ReceiptType,
    (typeof RECEIPT_TYPES)[ReceiptType],
  ][]) {
    const root = obj[message];
    if (root !== undefined) {
      const items =
        typeof root === 'object' && root !== null ? (root as Record<string, unknown>)[item] : undefined;
      return receiptsToEvents(receipt, items);
    }
  }
  if (NOTICE_FIELD in obj) {
    const inner = obj[NOTICE_FIELD];
    return [noticeToEvent(typeof inner === 'string' ? parseJson(inner, NOTICE_FIELD) : inner, receivedAt)];
  }
  if ('idempotent' in obj || 'order_id' in obj) return [noticeToEvent(obj, receivedAt)];
  throw new CallbackRejectedError(
    'PARAM_INVALID',
    `not a clearance callback: expected ${NOTICE_FIELD}, CEB312Message or CEB622Message`,
  );
}

/** The notice's JSON text (a form field, or a TOP business parameter) -> its event. */
export function parseNoticeText(text: string, receivedAt: number): ClearanceEvent {
  return noticeToEvent(parseJson(text, NOTICE_FIELD), receivedAt);
}

/**
 * JSON, keeping `order_id` exact: platform order ids run to 19 digits, past what a JS number holds,
 * so a bare integer there is read as its digits.
 */
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text.replace(/("order_id"\s*:\s*)(-?\d+)(?=\s*[,}])/g, '$1"$2"'));
  } catch {
    throw new CallbackRejectedError('PARAM_INVALID', `${what} is not valid JSON`);
  }
}

/**
 * UTF-8, the web's default. Receipts straight from customs may be GB2312/GBK (their XML says so):
 * bytes that are not UTF-8 are read as GB18030 (a superset of both) when the declaration says GB.
 */
function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const head = bytes.subarray(0, 200).toString('latin1');
    if (/encoding=["']?(gb2312|gbk|gb18030)/i.test(head)) return new TextDecoder('gb18030').decode(bytes);
    throw new CallbackRejectedError('PARAM_INVALID', 'the body is not UTF-8 text');
  }
}

import { CallbackRejectedError } from './errors.ts';
import type { ClearanceEvent } from './event.ts';
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
  const text = decodeText(bytes).trim();
  if (text === '') throw new CallbackRejectedError('PARAM_NOT_NULL', 'the body is empty');
  const type = contentType ?? '';

  if (/\bxml\b/i.test(type) || (!/json|form-urlencoded/i.test(type) && text.startsWith('<'))) {
    const { type: receipt, items } = parseReceiptXml(text);
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

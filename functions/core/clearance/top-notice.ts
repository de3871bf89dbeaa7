import { NOTICE_FIELD, parseNoticeText } from './callback-body.ts';
import { CallbackRejectedError } from './errors.ts';
import type { ClearanceEvent } from './event.ts';
import { SIGNATURE_HEADER } from './signature.ts';
import { TOP_METHOD } from './top-reply.ts';

/**
 * A TOP-style notice (docs/protocol.md §7): system parameters and the business parameter
 * `order_clearance_info_request` (JSON text), from the query string and the form body, merged.
 */

/** TOP-style when it carries TOP's system parameters and not our signature header. */
export function isTopRequest(
  headers: Readonly<Record<string, string | undefined>>,
  params: Readonly<Record<string, string>> | undefined,
): boolean {
  if (params === undefined) return false;
  if (Object.keys(headers).some((k) => k.toLowerCase() === SIGNATURE_HEADER)) return false;
  return 'app_key' in params || 'sign' in params || 'method' in params;
}

/** The notice a TOP request carries -> its event (after the signature was checked). */
export function topNoticeEvents(
  params: Readonly<Record<string, string>>,
  receivedAt: number,
): ClearanceEvent[] {
  if (params.method?.trim() !== TOP_METHOD) {
    throw new CallbackRejectedError('PARAM_INVALID', `method must be ${TOP_METHOD}`);
  }
  const notice = params[NOTICE_FIELD];
  if (notice === undefined || notice.trim() === '') {
    throw new CallbackRejectedError('PARAM_NOT_NULL', `${NOTICE_FIELD} is missing`);
  }
  return [parseNoticeText(notice, receivedAt)];
}

import * as v from 'valibot';
import { parseClearanceTime } from './china-time.ts';
import { CallbackRejectedError } from './errors.ts';
import type { ClearanceEvent } from './event.ts';
import { integer, looseOrderNo, optionalLooseText, rejectionOf, requiredLooseText } from './fields.ts';
import { isFailureCode, isReleaseCode } from './return-status.ts';

/**
 * A clearance party's clearance-info notice, in the fields of Tmall Global's
 * tmall.hk.clearance.info.send (docs/protocol.md §7). Unknown extra fields are allowed: such APIs grow.
 */
const NoticeSchema = v.pipe(
  v.looseObject({
    order_id: looseOrderNo('order_id'),
    clearance_status: v.pipe(
      integer('clearance_status'),
      v.picklist([1, 2], 'clearance_status must be 1 (clearance started) or 2 (clearance result)'),
    ),
    clearance_result_code: optionalLooseText('clearance_result_code', 32),
    clearance_port_no: optionalLooseText('clearance_port_no', 32),
    clearance_time: optionalLooseText('clearance_time', 19),
    customs_pass_no: optionalLooseText('customs_pass_no', 64),
    customs_return_receipt: optionalLooseText('customs_return_receipt', 1000),
    idempotent: requiredLooseText('idempotent', 128),
    // Not in Tmall's notice: a partner limited to some ebpCodes names the platform with it.
    ebp_code: optionalLooseText('ebp_code', 64),
  }),
  v.forward(
    v.check(
      (n) => n.clearance_status !== 2 || n.clearance_result_code !== undefined,
      'clearance_result_code is missing',
    ),
    ['clearance_result_code'],
  ),
  v.forward(
    v.check(
      (n) =>
        n.clearance_result_code === undefined ||
        isReleaseCode(n.clearance_result_code) ||
        isFailureCode(n.clearance_result_code),
      'clearance_result_code must start with 000 (released) or 100 (failed)',
    ),
    ['clearance_result_code'],
  ),
  v.forward(
    v.check(
      (n) => n.clearance_time === undefined || parseClearanceTime(n.clearance_time) !== undefined,
      'clearance_time must be yyyy-MM-dd HH:mm:ss',
    ),
    ['clearance_time'],
  ),
);

/** The notice object (already out of its `order_clearance_info_request` wrapper) -> an event. */
export function noticeToEvent(input: unknown, receivedAt: number): ClearanceEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CallbackRejectedError('PARAM_INVALID', 'order_clearance_info_request must be a JSON object');
  }
  const parsed = v.safeParse(NoticeSchema, input);
  if (!parsed.success) {
    // A check on the whole object reports its field only through the forward path: say it plainly.
    const first = parsed.issues[0];
    if (first?.message === 'clearance_result_code is missing') {
      throw new CallbackRejectedError('PARAM_NOT_NULL', 'notice: clearance_result_code is missing');
    }
    throw rejectionOf(parsed.issues, 'notice');
  }
  const n = parsed.output;
  // The result code only means something in a result notice.
  const resultCode = n.clearance_status === 2 ? n.clearance_result_code : undefined;
  return {
    orderNo: n.order_id,
    source: 'notice',
    // A result notice may reuse the idempotent key of the started notice (it comes from the clearance
    // materials), so the key alone would drop the result: the status and result are part of it.
    dedupeKey: `notice#${n.idempotent}#${n.clearance_status}#${resultCode ?? ''}`,
    clearanceStatus: n.clearance_status,
    ...(resultCode === undefined ? {} : { resultCode }),
    eventAt:
      n.clearance_time === undefined ? receivedAt : (parseClearanceTime(n.clearance_time) ?? receivedAt),
    ...(n.clearance_time === undefined ? {} : { eventTime: n.clearance_time }),
    ...(n.customs_return_receipt === undefined ? {} : { info: n.customs_return_receipt }),
    refs: compact({
      ebpCode: n.ebp_code,
      idempotent: n.idempotent,
      portNo: n.clearance_port_no,
      passNo: n.customs_pass_no,
    }),
  };
}

/** Drop absent values: with exactOptionalPropertyTypes an absent field must not be `undefined`. */
export function compact<T extends Record<string, string | undefined>>(o: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as {
    [K in keyof T]?: string;
  };
}

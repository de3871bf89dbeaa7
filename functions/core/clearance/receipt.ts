import * as v from 'valibot';
import { parseReturnTime } from './china-time.ts';
import { CallbackRejectedError } from './errors.ts';
import type { ClearanceEvent } from './event.ts';
import {
  integer,
  looseOrderNo,
  optionalLooseOrderNo,
  optionalLooseText,
  rejectionOf,
  requiredLooseText,
} from './fields.ts';
import { orderNamedIn } from './inventory-link.ts';
import { compact } from './notice.ts';

/**
 * Customs' receipts (统一版): CEB312 answers an order declaration (CEB311), CEB622 an inventory list
 * (CEB621). Element names as in customs' schema; the same names are accepted as JSON.
 */
export const RECEIPT_TYPES = {
  CEB312: { message: 'CEB312Message', item: 'OrderReturn' },
  CEB622: { message: 'CEB622Message', item: 'InventoryReturn' },
} as const;
export type ReceiptType = keyof typeof RECEIPT_TYPES;

/** A message normally holds one receipt; more are accepted, up to this many. */
export const MAX_RECEIPTS_PER_MESSAGE = 100;

const common = {
  guid: requiredLooseText('guid', 64),
  ebpCode: optionalLooseText('ebpCode', 64),
  ebcCode: optionalLooseText('ebcCode', 64),
  returnStatus: integer('returnStatus'),
  returnTime: v.pipe(
    requiredLooseText('returnTime', 17),
    v.check((t) => parseReturnTime(t) !== undefined, 'returnTime must be yyyyMMddHHmmssSSS'),
  ),
  returnInfo: optionalLooseText('returnInfo', 2000),
};

const OrderReturnSchema = v.looseObject({ ...common, orderNo: looseOrderNo('orderNo') });

const InventoryReturnSchema = v.pipe(
  v.looseObject({
    ...common,
    customsCode: optionalLooseText('customsCode', 16),
    agentCode: optionalLooseText('agentCode', 64),
    copNo: optionalLooseText('copNo', 60),
    preNo: optionalLooseText('preNo', 64),
    invtNo: optionalLooseText('invtNo', 64),
    // Not in customs' CEB622; some senders add it, and it is the best key when they do.
    orderNo: optionalLooseOrderNo('orderNo'),
  }),
  v.forward(
    v.check((r) => r.orderNo !== undefined || r.copNo !== undefined, 'copNo is missing'),
    ['copNo'],
  ),
);

/**
 * The receipts of one message -> events. CEB622 carries no orderNo: its event names the order only when
 * a sender adds one or its returnInfo names it (`订单编号：…`); it is filed under its copNo, and joins
 * the order's timeline through the copNo's link.
 */
export function receiptsToEvents(type: ReceiptType, items: unknown): ClearanceEvent[] {
  const { message, item } = RECEIPT_TYPES[type];
  const list = items === undefined || items === null ? [] : Array.isArray(items) ? items : [items];
  if (list.length === 0) throw new CallbackRejectedError('PARAM_NOT_NULL', `${message}: ${item} is missing`);
  if (list.length > MAX_RECEIPTS_PER_MESSAGE) {
    throw new CallbackRejectedError(
      'PARAM_INVALID',
      `${message}: more than ${MAX_RECEIPTS_PER_MESSAGE} receipts`,
    );
  }
  return list.map((raw, i) => {
    const where = list.length > 1 ? `${message} ${item}[${i}]` : `${message} ${item}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new CallbackRejectedError('PARAM_INVALID', `${where} must be an element with fields`);
    }
    if (type === 'CEB312') {
      const r = v.safeParse(OrderReturnSchema, raw);
      if (!r.success) throw rejectionOf(r.issues, where);
      return toEvent(type, r.output.orderNo, r.output, {});
    }
    const r = v.safeParse(InventoryReturnSchema, raw);
    if (!r.success) {
      if (r.issues[0]?.message === 'copNo is missing')
        throw new CallbackRejectedError('PARAM_NOT_NULL', `${where}: copNo is missing`);
      throw rejectionOf(r.issues, where);
    }
    const o = r.output;
    return toEvent(type, o.orderNo ?? orderNamedIn(o.returnInfo), o, {
      customsCode: o.customsCode,
      agentCode: o.agentCode,
      copNo: o.copNo,
      preNo: o.preNo,
      invtNo: o.invtNo,
    });
  });
}

function toEvent(
  source: ReceiptType,
  orderNo: string | undefined,
  r: {
    guid: string;
    ebpCode?: string | undefined;
    ebcCode?: string | undefined;
    returnStatus: number;
    returnTime: string;
    returnInfo?: string | undefined;
  },
  refs: Record<string, string | undefined>,
): ClearanceEvent {
  return {
    ...(orderNo === undefined ? {} : { orderNo }),
    source,
    // customs' guid names the declaration; each status of it is reported once.
    dedupeKey: `${source}#${r.guid}#${r.returnStatus}`,
    returnStatus: r.returnStatus,
    eventAt: parseReturnTime(r.returnTime) ?? 0,
    eventTime: r.returnTime,
    ...(r.returnInfo === undefined ? {} : { info: r.returnInfo }),
    refs: compact({ guid: r.guid, ebpCode: r.ebpCode, ebcCode: r.ebcCode, ...refs }),
  };
}

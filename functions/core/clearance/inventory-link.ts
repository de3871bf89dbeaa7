import * as v from 'valibot';
import { CallbackRejectedError } from './errors.ts';
import { looseOrderNo, optionalLooseText, rejectionOf, requiredLooseText } from './fields.ts';
import { compact } from './notice.ts';

/**
 * CEB622 inventory receipts carry no orderNo, only copNo, the declaring agent's own number for the
 * inventory (docs/protocol.md §7). The link copNo -> orderNo comes from a forwarded CEB621 inventory
 * declaration, from the payment data, or from a receipt's returnInfo that names the order.
 */
export const LINK_SOURCES = ['CEB621', 'returnInfo', 'receipt', 'payment'] as const;
export type LinkSource = (typeof LINK_SOURCES)[number];

export interface InventoryLink {
  readonly copNo: string;
  readonly orderNo: string;
  readonly source: LinkSource;
  readonly logisticsNo?: string;
  readonly ebpCode?: string;
}

/** The CEB621 message's element names. */
export const CEB621 = { message: 'CEB621Message', item: 'Inventory', head: 'InventoryHead' } as const;

export const MAX_INVENTORIES_PER_MESSAGE = 100;

/**
 * Only these head fields are read. A CEB621 also carries the buyer's ID number, name, phone and
 * address: they are never picked, so never stored, logged or quoted in an error.
 */
const InventoryHeadSchema = v.object({
  orderNo: looseOrderNo('orderNo'),
  copNo: requiredLooseText('copNo', 60),
  logisticsNo: optionalLooseText('logisticsNo', 60),
  ebpCode: optionalLooseText('ebpCode', 64),
});

/** A CEB621 message's inventories -> their links (and nothing else of them). */
export function ceb621Links(items: unknown): InventoryLink[] {
  const list = items === undefined || items === null ? [] : Array.isArray(items) ? items : [items];
  if (list.length === 0)
    throw new CallbackRejectedError('PARAM_NOT_NULL', `${CEB621.message}: Inventory is missing`);
  if (list.length > MAX_INVENTORIES_PER_MESSAGE) {
    throw new CallbackRejectedError(
      'PARAM_INVALID',
      `${CEB621.message}: more than ${MAX_INVENTORIES_PER_MESSAGE} inventories`,
    );
  }
  return list.map((raw, i) => {
    const where =
      list.length > 1 ? `${CEB621.message} Inventory[${i}] InventoryHead` : `${CEB621.message} InventoryHead`;
    const head =
      typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[CEB621.head] : undefined;
    if (typeof head !== 'object' || head === null || Array.isArray(head)) {
      throw new CallbackRejectedError('PARAM_NOT_NULL', `${where} is missing`);
    }
    // Only the four fields, picked before validation: nothing else of the head reaches an issue message.
    const h = head as Record<string, unknown>;
    const parsed = v.safeParse(InventoryHeadSchema, {
      orderNo: h.orderNo,
      copNo: h.copNo,
      logisticsNo: h.logisticsNo,
      ebpCode: h.ebpCode,
    });
    if (!parsed.success) throw rejectionOf(parsed.issues, where);
    const o = parsed.output;
    return {
      copNo: o.copNo,
      orderNo: o.orderNo,
      source: 'CEB621' as const,
      ...compact({ logisticsNo: o.logisticsNo, ebpCode: o.ebpCode }),
    };
  });
}

/** `…订单编号：<orderNo>…` in a receipt's returnInfo -> that orderNo (full- or half-width colon). */
export function orderNamedIn(returnInfo: string | undefined): string | undefined {
  const m = /订单编号[：:]\s*([^\s\][，,；;。]+)/u.exec(returnInfo ?? '');
  if (!m?.[1]) return undefined;
  const parsed = v.safeParse(looseOrderNo('orderNo'), m[1]);
  return parsed.success ? parsed.output : undefined;
}

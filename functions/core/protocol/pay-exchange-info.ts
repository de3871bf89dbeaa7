import * as v from 'valibot';
import { ValidationError } from '../errors.ts';
import { guid, orderLine, paymentFields } from './field-rules.ts';
import { describeIssues, toFieldIssues } from './issues.ts';
import type { Payment } from './payment.ts';

/** payExchangeInfoHead: the payment, keys in the spec's order. */
export const PayExchangeInfoHeadSchema = v.object({
  guid,
  ...paymentFields,
});
export type PayExchangeInfoHead = v.InferOutput<typeof PayExchangeInfoHeadSchema>;

/** payExchangeInfoLists: every order the payment paid for. */
export const PayExchangeInfoListsSchema = v.pipe(
  v.array(orderLine, 'must be a list'),
  v.minLength(1, 'must hold at least one order'),
);
export type PayExchangeInfoLists = v.InferOutput<typeof PayExchangeInfoListsSchema>;

export interface PayExchangeInfo {
  readonly head: PayExchangeInfoHead;
  readonly lists: PayExchangeInfoLists;
}

/**
 * Build head and lists from a stored payment. Objects are built key by key in the spec's order,
 * because the serialized text is what gets signed.
 */
export function buildPayExchangeInfo(payment: Payment, uploadGuid: string): PayExchangeInfo {
  const head: PayExchangeInfoHead = {
    guid: uploadGuid,
    initalRequest: payment.initalRequest,
    initalResponse: payment.initalResponse,
    ebpCode: payment.ebpCode,
    payCode: payment.payCode,
    payTransactionId: payment.payTransactionId,
    totalAmount: payment.totalAmount,
    currency: payment.currency,
    verDept: payment.verDept,
    ...(payment.payType === undefined ? {} : { payType: payment.payType }),
    tradingTime: payment.tradingTime,
    note: payment.note ?? '',
  };
  const lists: PayExchangeInfoLists = payment.orders.map((o) => ({
    orderNo: o.orderNo,
    goodsInfo: o.goodsInfo.map((g) => ({ gname: g.gname, itemLink: g.itemLink })),
    recpAccount: o.recpAccount,
    recpCode: o.recpCode ?? '',
    recpName: o.recpName,
  }));
  return { head, lists };
}

/** Check every field rule before signing; name the field of the order that broke which rule. */
export function validatePayExchangeInfo(info: { head: unknown; lists: unknown }): PayExchangeInfo {
  const head = v.safeParse(PayExchangeInfoHeadSchema, info.head);
  const lists = v.safeParse(PayExchangeInfoListsSchema, info.lists);
  const issues = [
    ...(head.success
      ? []
      : toFieldIssues(head.issues).map((i) => ({ ...i, path: `payExchangeInfoHead.${i.path}` }))),
    ...(lists.success
      ? []
      : toFieldIssues(lists.issues).map((i) => ({
          ...i,
          path: `payExchangeInfoLists${i.path.startsWith('[') ? '' : '.'}${i.path}`,
        }))),
  ];
  if (head.success && lists.success) return { head: head.output, lists: lists.output };
  throw new ValidationError(`payment data breaks the field rules: ${describeIssues(issues)}`, issues);
}

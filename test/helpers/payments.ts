import type { Payment } from '#core/protocol/payment.ts';

/** A valid payment (two orders unless told otherwise); override any field. */
export function makePayment(
  overrides: Partial<Payment> = {},
  orderNos: readonly string[] = ['SO-T-0001', 'SO-T-0002'],
): Payment {
  return {
    initalRequest: 'out_trade_no=PT20261122001&total_fee=12800&body=测试商品',
    initalResponse: '{"return_code":"SUCCESS","transaction_id":"4200000681202611220000000001"}',
    ebpCode: '46016602EV',
    payCode: '1537923071',
    payTransactionId: `4200000681202611220000${Math.floor(Math.random() * 1e6)}`,
    totalAmount: 128,
    currency: '142',
    verDept: '3',
    payType: '1',
    tradingTime: '20261122093015',
    note: '',
    orders: orderNos.map((orderNo, i) => ({
      orderNo,
      goodsInfo: [{ gname: `面膜 ${i + 1}`, itemLink: `https://shop.example.cn/item/${i + 1}?a=1&b=2` }],
      recpAccount: `62178501000078939${String(i).padStart(2, '0')}`,
      recpCode: '91460000MA5T000001',
      recpName: '海南测试进出口贸易有限公司',
    })),
    ...overrides,
  };
}

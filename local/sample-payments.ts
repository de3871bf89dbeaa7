import { createHash } from 'node:crypto';
import type { Payment } from '#core/protocol/payment.ts';

/**
 * Payments for the local demo: 14 payments, 20 orders, every one of them grabbable. Realistic in shape
 * (Alipay, WeChat Pay, UnionPay and a cross-border acquirer; CNY and USD; CJK names; a long raw request)
 * but invented: the codes, accounts, keys and signatures below belong to nobody.
 * `events/payments.sample.jsonl` is the same data as a load file (`ceb-grab load events/payments.sample.jsonl`).
 */

/** The e-commerce platform every sample payment belongs to; the local signer is registered for it. */
export const SAMPLE_EBP_CODE = '46016602EV';

/** Invented customs codes of the payment companies. */
const PAY = {
  alipay: '3122269ZF1',
  wechat: '4403169WX1',
  unionpay: '3101960UP1',
  netsunion: '1101080NU1',
  acquirer: 'HK00000PP1',
} as const;

const PLATFORM = {
  recpCode: '91460100MA5T00017X',
  recpName: '海南易购跨境电子商务有限公司',
};

type Goods = readonly [gname: string, itemLink: string];
interface OrderSpec {
  orderNo: string;
  goods: readonly Goods[];
  recpAccount: string;
  recpCode?: string;
  recpName?: string;
}

const item = (id: number, sku: string): string =>
  `https://mall.example.com/item/${id}.html?sku=${sku}&src=app`;

/** A deterministic base64 string that looks like an RSA2 / SM2 signature. */
function fakeSignature(seed: string, length = 344): string {
  let out = '';
  for (let i = 0; out.length < length; i++)
    out += createHash('sha256').update(`${seed}#${i}`).digest('base64');
  return `${out.slice(0, length - 2)}==`;
}

const yuan = (n: number): string => n.toFixed(2);
const dashed = (t: string): string =>
  `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`;

/** Alipay's app-pay request string (alipay.trade.app.pay), with goods_detail, as the app sent it. */
function alipayRequest(p: {
  tradeNo: string;
  outTradeNo: string;
  amount: number;
  time: string;
  orders: OrderSpec[];
}) {
  const goodsDetail = p.orders.flatMap((o, oi) =>
    o.goods.map(([gname, link], gi) => ({
      goods_id: `${o.orderNo}-${gi + 1}`,
      goods_name: gname,
      quantity: 1 + ((oi + gi) % 3),
      price: yuan(p.amount / Math.max(1, p.orders.length) / (1 + gi)),
      goods_category: '跨境进口',
      categories_tree: '母婴|营养辅食',
      body: `${gname}；保税仓直发，海关备案，正品保障，支持七天无理由退货（食品类除外）`,
      show_url: link,
    })),
  );
  const bizContent = JSON.stringify({
    out_trade_no: p.outTradeNo,
    total_amount: yuan(p.amount),
    subject: `易购全球 订单 ${p.outTradeNo}`,
    body: p.orders.flatMap((o) => o.goods.map(([g]) => g)).join('；'),
    product_code: 'QUICK_MSECURITY_PAY',
    timeout_express: '30m',
    goods_type: '1',
    passback_params: encodeURIComponent(
      JSON.stringify({ orders: p.orders.map((o) => o.orderNo), channel: 'app-ios' }),
    ),
    extend_params: { sys_service_provider_id: '2088000000000000', specified_seller_name: PLATFORM.recpName },
    business_params: { mc_create_trade_ip: '203.0.113.24' },
    goods_detail: goodsDetail,
  });
  const params = [
    ['app_id', '2021000000000001'],
    ['biz_content', bizContent],
    ['charset', 'utf-8'],
    ['format', 'json'],
    ['method', 'alipay.trade.app.pay'],
    ['notify_url', 'https://pay.mall.example.com/notify/alipay'],
    ['sign_type', 'RSA2'],
    ['timestamp', dashed(p.time)],
    ['version', '1.0'],
  ];
  const unsigned = params.map(([k, v]) => `${k}=${v}`).join('&');
  return `${unsigned}&sign=${fakeSignature(unsigned)}`;
}

function alipayResponse(p: {
  tradeNo: string;
  outTradeNo: string;
  amount: number;
  time: string;
  buyerId: string;
}) {
  const body = {
    alipay_trade_query_response: {
      code: '10000',
      msg: 'Success',
      trade_no: p.tradeNo,
      out_trade_no: p.outTradeNo,
      buyer_logon_id: 'bu***@example.com',
      buyer_user_id: p.buyerId,
      trade_status: 'TRADE_SUCCESS',
      total_amount: yuan(p.amount),
      receipt_amount: yuan(p.amount),
      send_pay_date: dashed(p.time),
    },
  };
  return JSON.stringify({ ...body, sign: fakeSignature(JSON.stringify(body)) });
}

function wechatRequest(p: { outTradeNo: string; amount: number; tradeType: 'APP' | 'NATIVE'; body: string }) {
  const fields = [
    ['appid', 'wx0000000000000001'],
    ['mch_id', '1600000001'],
    ['nonce_str', fakeSignature(p.outTradeNo, 32).replace(/[^A-Za-z0-9]/g, 'x')],
    ['body', p.body],
    ['out_trade_no', p.outTradeNo],
    ['fee_type', 'CNY'],
    ['total_fee', String(Math.round(p.amount * 100))],
    ['spbill_create_ip', '203.0.113.58'],
    ['notify_url', 'https://pay.mall.example.com/notify/wechat'],
    ['trade_type', p.tradeType],
  ];
  const sign = createHash('sha256')
    .update(fields.map(([k, v]) => `${k}=${v}`).join('&'))
    .digest('hex')
    .toUpperCase();
  return `<xml>${fields.map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}<sign_type>HMAC-SHA256</sign_type><sign>${sign}</sign></xml>`;
}

function wechatResponse(p: { transactionId: string; outTradeNo: string; amount: number; time: string }) {
  return (
    '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg>' +
    '<appid><![CDATA[wx0000000000000001]]></appid><mch_id><![CDATA[1600000001]]></mch_id>' +
    '<result_code><![CDATA[SUCCESS]]></result_code><trade_state><![CDATA[SUCCESS]]></trade_state>' +
    `<transaction_id><![CDATA[${p.transactionId}]]></transaction_id><out_trade_no><![CDATA[${p.outTradeNo}]]></out_trade_no>` +
    `<total_fee>${Math.round(p.amount * 100)}</total_fee><time_end><![CDATA[${p.time}]]></time_end></xml>`
  );
}

function unionpayRequest(p: { orderId: string; amount: number; time: string; channel: '07' | '08' }) {
  const fields = `version=5.1.0&encoding=UTF-8&txnType=01&txnSubType=01&bizType=000201&channelType=${p.channel}&merId=777290058000001&accessType=0&orderId=${p.orderId}&txnTime=${p.time}&txnAmt=${Math.round(p.amount * 100)}&currencyCode=156&frontUrl=https://mall.example.com/pay/return&backUrl=https://pay.mall.example.com/notify/unionpay&signMethod=01&certId=69000000001`;
  return `${fields}&signature=${fakeSignature(fields)}`;
}

function unionpayResponse(p: { orderId: string; queryId: string; amount: number; time: string }) {
  const fields = `respCode=00&respMsg=成功[0000000]&orderId=${p.orderId}&queryId=${p.queryId}&txnAmt=${Math.round(p.amount * 100)}&txnTime=${p.time}&settleDate=${p.time.slice(4, 8)}&traceNo=${p.queryId.slice(-6)}`;
  return `${fields}&signature=${fakeSignature(fields)}`;
}

function acquirerRequest(p: { reference: string; amount: number; merchant: string }) {
  return JSON.stringify({
    intent: 'CAPTURE',
    purchase_units: [
      {
        reference_id: p.reference,
        amount: { currency_code: 'USD', value: p.amount.toFixed(2) },
        payee: { merchant_id: p.merchant },
      },
    ],
    application_context: { brand_name: 'EasyBuy Global', shipping_preference: 'SET_PROVIDED_ADDRESS' },
  });
}

function acquirerResponse(p: { id: string; reference: string; amount: number }) {
  return JSON.stringify({
    id: p.id,
    status: 'COMPLETED',
    purchase_units: [
      {
        reference_id: p.reference,
        payments: {
          captures: [
            {
              id: `${p.id}C`,
              status: 'COMPLETED',
              amount: { currency_code: 'USD', value: p.amount.toFixed(2) },
            },
          ],
        },
      },
    ],
  });
}

const toOrders = (specs: OrderSpec[]): Payment['orders'] =>
  specs.map((o) => ({
    orderNo: o.orderNo,
    goodsInfo: o.goods.map(([gname, itemLink]) => ({ gname, itemLink })),
    recpAccount: o.recpAccount,
    recpCode: o.recpCode ?? PLATFORM.recpCode,
    recpName: o.recpName ?? PLATFORM.recpName,
  }));

/** The platform's own receiving accounts, one per payment company (invented). */
const ACCOUNT = {
  alipay: '2088000000000017',
  wechat: '1600000001',
  unionpay: '6217000000000000017',
  netsunion: '6228000000000000025',
};

function alipay(
  n: number,
  time: string,
  amount: number,
  orders: OrderSpec[],
  extra: Partial<Payment> = {},
): Payment {
  const tradeNo = `${time.slice(0, 8)}2200143456${String(n).padStart(10, '0')}`;
  const outTradeNo = `PT${time}${String(n).padStart(4, '0')}`;
  return {
    initalRequest: alipayRequest({ tradeNo, outTradeNo, amount, time, orders }),
    initalResponse: alipayResponse({
      tradeNo,
      outTradeNo,
      amount,
      time,
      buyerId: `20880000000${String(n).padStart(5, '0')}`,
    }),
    ebpCode: SAMPLE_EBP_CODE,
    payCode: PAY.alipay,
    payTransactionId: tradeNo,
    totalAmount: amount,
    currency: '142',
    verDept: '3',
    payType: '1',
    tradingTime: time,
    note: '',
    orders: toOrders(orders),
    ...extra,
  };
}

function wechat(
  n: number,
  time: string,
  amount: number,
  orders: OrderSpec[],
  extra: Partial<Payment> = {},
): Payment {
  const transactionId = `42000021${time.slice(0, 8)}${String(n).padStart(12, '0')}`;
  const outTradeNo = `WX${time}${String(n).padStart(4, '0')}`;
  const scan = extra.payType === '3';
  return {
    initalRequest: wechatRequest({
      outTradeNo,
      amount,
      tradeType: scan ? 'NATIVE' : 'APP',
      body: `易购全球-${orders.flatMap((o) => o.goods.map(([g]) => g)).join('、')}`.slice(0, 120),
    }),
    initalResponse: wechatResponse({ transactionId, outTradeNo, amount, time }),
    ebpCode: SAMPLE_EBP_CODE,
    payCode: PAY.wechat,
    payTransactionId: transactionId,
    totalAmount: amount,
    currency: '142',
    verDept: '3',
    payType: '1',
    tradingTime: time,
    orders: toOrders(orders),
    ...extra,
  };
}

function unionpay(
  n: number,
  time: string,
  amount: number,
  orders: OrderSpec[],
  extra: Partial<Payment> = {},
): Payment {
  const orderId = `UP${time}${String(n).padStart(4, '0')}`;
  const queryId = `6120${time}${String(n).padStart(6, '0')}`;
  return {
    initalRequest: unionpayRequest({ orderId, amount, time, channel: extra.payType === '2' ? '07' : '08' }),
    initalResponse: unionpayResponse({ orderId, queryId, amount, time }),
    ebpCode: SAMPLE_EBP_CODE,
    payCode: PAY.unionpay,
    payTransactionId: queryId,
    totalAmount: amount,
    currency: '142',
    verDept: '1',
    payType: '2',
    tradingTime: time,
    note: '',
    orders: toOrders(orders),
    ...extra,
  };
}

/** A USD card payment through a cross-border acquirer to a foreign seller: no payType, recpCode empty. */
function acquirer(
  n: number,
  time: string,
  amount: number,
  orders: OrderSpec[],
  extra: Partial<Payment> = {},
): Payment {
  const id = `8XK${time.slice(2, 8)}${String(n).padStart(8, '0')}`;
  const reference = `EV-${time.slice(0, 8)}-${n}`;
  return {
    initalRequest: acquirerRequest({ reference, amount, merchant: `MERCH${String(n).padStart(8, '0')}` }),
    initalResponse: acquirerResponse({ id, reference, amount }),
    ebpCode: SAMPLE_EBP_CODE,
    payCode: PAY.acquirer,
    payTransactionId: id,
    totalAmount: amount,
    currency: '502',
    verDept: '3',
    tradingTime: time,
    note: 'paid by card in USD',
    orders: toOrders(orders),
    ...extra,
  };
}

const order = (
  n: number,
  recpAccount: string,
  goods: readonly Goods[],
  seller: Partial<OrderSpec> = {},
): OrderSpec => ({
  orderNo: `EV2026061${String(n).padStart(6, '0')}`,
  goods,
  recpAccount,
  ...seller,
});

const KIWI = { recpCode: '', recpName: 'Kiwi Naturals Ltd（新西兰奇异自然有限公司）' };
const SYDNEY = { recpCode: '', recpName: 'Sydney Health Supplies Pty Ltd' };
const TOKYO = { recpCode: '', recpName: '東京ビューティー株式会社 Tokyo Beauty Co., Ltd.' };

/** The sample payments, in load order. */
export function samplePayments(): Payment[] {
  return [
    // The long one: an Alipay app payment whose raw request lists many goods.
    alipay(1, '20260612093015', 1288.5, [
      order(1, ACCOUNT.alipay, [
        ['澳洲进口 a2 Platinum 白金版婴幼儿配方奶粉 3段 900g×6罐', item(10023456, 'A2P3-900-6')],
        ['新西兰 Comvita 康维他 麦卢卡蜂蜜 UMF10+ 500g', item(10023457, 'CMV-UMF10-500')],
        ['德国 Aptamil 爱他美 白金版 婴儿配方奶粉 2段 800g', item(10023458, 'APT-PRO2-800')],
        ['日本 花王 妙而舒 Merries 婴儿纸尿裤 L号 54片×4包', item(10023459, 'KAO-MER-L54')],
        ['美国 Nature Made 天维美 鱼油软胶囊 1200mg 200粒', item(10023460, 'NM-FO1200-200')],
        ['澳洲 Swisse 斯维诗 儿童钙+维生素D 咀嚼片 90粒', item(10023461, 'SWS-KCD-90')],
        ['韩国 雪花秀 滋盈肌本润颜水乳套装 125ml+125ml', item(10023462, 'SWH-ESS-SET')],
      ]),
    ]),
    // WeChat Pay, one payment for two orders.
    wechat(2, '20260612094102', 356, [
      order(2, ACCOUNT.wechat, [['日本 肌美精 3D 保湿补水面膜 4片装×3盒', item(10030001, 'KBS-3D-4x3')]]),
      order(3, ACCOUNT.wechat, [
        ['韩国 所望 牛奶身体乳 500ml', item(10030002, 'SOM-BL-500')],
        ['泰国 Mistine 小黄帽防晒霜 SPF50+ 70ml', item(10030003, 'MST-SUN-70')],
      ]),
    ]),
    unionpay(3, '20260612095530', 899, [
      order(4, ACCOUNT.unionpay, [['瑞士 Swatch 斯沃琪 石英腕表 SUOB157', item(10040001, 'SWT-SUOB157')]]),
    ]),
    // A USD payment to a foreign seller: payType absent, recpCode empty.
    acquirer(4, '20260612101244', 59.99, [
      order(
        5,
        'GB00TEST00000000000004',
        [['Manuka Honey UMF 15+ 250g 麦卢卡蜂蜜', item(10050001, 'KN-UMF15-250')]],
        KIWI,
      ),
    ]),
    alipay(5, '20260612102915', 218, [
      order(6, ACCOUNT.alipay, [['法国 理肤泉 B5 修复霜 40ml', item(10060001, 'LRP-B5-40')]]),
    ]),
    // WeChat Pay by scanning a code, two orders.
    wechat(
      6,
      '20260612104008',
      476.8,
      [
        order(7, ACCOUNT.wechat, [['意大利 Kiko 口红 限定色 #801', item(10070001, 'KIKO-801')]]),
        order(8, ACCOUNT.wechat, [['英国 Burt’s Bees 小蜜蜂 紫草膏 15g', item(10070002, 'BB-RES-15')]]),
      ],
      { payType: '3', note: '扫码支付，合并付款' },
    ),
    // NetsUnion (verDept 2).
    {
      ...alipay(7, '20260612105533', 135, [
        order(9, ACCOUNT.netsunion, [
          ['荷兰 Nutrilon 牛栏 婴儿米粉 辅食 250g', item(10090001, 'NUT-RICE-250')],
        ]),
      ]),
      payCode: PAY.netsunion,
      verDept: '2',
    },
    alipay(8, '20260612110120', 2399, [
      order(10, ACCOUNT.alipay, [['日本 象印 保温杯 SM-SF48 480ml 不锈钢', item(10100001, 'ZJR-SF48')]]),
    ]),
    // USD, two orders from two foreign sellers in one card payment.
    acquirer(9, '20260612112645', 147.4, [
      order(
        11,
        'AU00TEST00000000000011',
        [['Swisse Ultiboost Vitamin C 1000mg 150 tablets', item(10110001, 'SWS-VC-150')]],
        SYDNEY,
      ),
      order(
        12,
        'JP00TEST00000000000012',
        [
          ['資生堂 アネッサ 日焼け止め 60ml 安热沙防晒', item(10120001, 'SSD-ANS-60')],
          ['DHC 深层卸妆油 200ml', item(10120002, 'DHC-DCO-200')],
        ],
        TOKYO,
      ),
    ]),
    wechat(10, '20260612114010', 88, [
      order(13, ACCOUNT.wechat, [['韩国 农心 辛拉面 120g×5袋', item(10130001, 'NS-SHIN-5')]]),
    ]),
    // No payType, no note.
    (() => {
      const {
        payType: _none,
        note: _noNote,
        ...p
      } = unionpay(11, '20260612120015', 320, [
        order(14, ACCOUNT.unionpay, [
          ['澳洲 Bio Island 佰澳朗德 婴幼儿乳钙 90粒', item(10140001, 'BIO-CAL-90')],
        ]),
      ]);
      return p;
    })(),
    // Four orders in one payment: a family's basket checked out at once.
    alipay(12, '20260612121530', 1560.3, [
      order(15, ACCOUNT.alipay, [['德国 Weleda 维蕾德 金盏花婴儿面霜 75ml', item(10150001, 'WLD-CAL-75')]]),
      order(16, ACCOUNT.alipay, [['美国 Burt’s Bees 婴儿润肤乳 170g', item(10160001, 'BB-BABY-170')]]),
      order(17, ACCOUNT.alipay, [
        ['日本 尤妮佳 Moony 纸尿裤 NB号 90片', item(10170001, 'MNY-NB-90')],
        ['日本 贝亲 宽口径玻璃奶瓶 240ml', item(10170002, 'PGN-GB-240')],
      ]),
      order(18, ACCOUNT.alipay, [
        ['新西兰 Karicare 可瑞康 羊奶粉 1段 900g', item(10180001, 'KRC-GOAT1-900')],
      ]),
    ]),
    acquirer(13, '20260612123302', 29.9, [
      order(
        19,
        'NZ00TEST00000000000019',
        [['Manuka Honey Lozenges 蜂蜜润喉糖 30 pcs', item(10190001, 'KN-LOZ-30')]],
        KIWI,
      ),
    ]),
    wechat(14, '20260612125948', 399, [
      order(20, ACCOUNT.wechat, [['法国 Evian 依云 天然矿泉水 330ml×24瓶', item(10200001, 'EVN-330-24')]]),
    ]),
  ];
}

/** The orders the demo asks customs to grab: every order of every sample payment (20). */
export function sampleGrabOrderNos(): string[] {
  return samplePayments().flatMap((p) => p.orders.map((o) => o.orderNo));
}

/** The sample payments as a load file: one JSON object per line. */
export function samplePaymentsJsonl(): string {
  return samplePayments()
    .map((p) => `${JSON.stringify(p)}\n`)
    .join('');
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '#core/errors.ts';
import { parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import { buildPayExchangeInfo, validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import { parsePayment } from '#core/protocol/payment.ts';
import { assemblePayExInfoStr, serializePayExchangeInfo } from '#core/protocol/serialize.ts';
import { classifyUploadReply } from '#core/protocol/upload-reply.ts';
import { makePayment } from '#test/helpers/payments.ts';

const GUID = '9D55BA71-22DE-41F4-8B50-C36C83B3B530';

describe('serializer and sign source', () => {
  const info = buildPayExchangeInfo(makePayment({ note: '备注/说明 "quoted"' }), GUID);
  const s = serializePayExchangeInfo('fe2374-8fnejf97-32839218', info, 1533271903898);
  const body = assemblePayExInfoStr(s, { certNo: '03000000000cde6f', signValue: 'c2ln' });

  it('puts the head and lists keys in the order of the spec', () => {
    assert.deepEqual(Object.keys(JSON.parse(s.headText)), [
      'guid',
      'initalRequest',
      'initalResponse',
      'ebpCode',
      'payCode',
      'payTransactionId',
      'totalAmount',
      'currency',
      'verDept',
      'payType',
      'tradingTime',
      'note',
    ]);
    assert.deepEqual(Object.keys((JSON.parse(s.listsText) as object[])[0] ?? {}), [
      'orderNo',
      'goodsInfo',
      'recpAccount',
      'recpCode',
      'recpName',
    ]);
  });

  it('signs the very bytes that payExInfoStr carries (customs rebuilds the same sign source)', () => {
    assert.equal(parsePayExInfoStr(body).signSource, s.signSource);
    assert.ok(body.includes(s.headText) && body.includes(s.listsText));
  });

  it('leaves CJK and / unescaped, pastes the JSON raw and quotes serviceTime', () => {
    assert.ok(
      s.signSource.startsWith('"sessionID":"fe2374-8fnejf97-32839218"||"payExchangeInfoHead":"{"guid":"'),
    );
    assert.ok(s.signSource.includes('"note":"备注/说明 \\"quoted\\""'));
    assert.ok(s.signSource.includes('}"||"payExchangeInfoLists":"[{"orderNo":"SO-T-0001"'));
    assert.ok(s.signSource.endsWith('}]"||"serviceTime":"1533271903898"'));
    assert.equal((JSON.parse(body) as { serviceTime: unknown }).serviceTime, 1533271903898);
  });

  it('carries every order of the payment', () => {
    assert.deepEqual(
      (JSON.parse(body) as { payExchangeInfoLists: { orderNo: string }[] }).payExchangeInfoLists.map(
        (o) => o.orderNo,
      ),
      ['SO-T-0001', 'SO-T-0002'],
    );
  });

  it('omits an absent payType and sends an empty recpCode for a foreign seller', () => {
    const p = makePayment({ payType: undefined as never }, ['X1']);
    const { payType: _drop, ...withoutPayType } = p;
    const built = buildPayExchangeInfo(
      { ...withoutPayType, orders: p.orders.map(({ recpCode: _r, ...o }) => o) },
      GUID,
    );
    assert.equal('payType' in built.head, false);
    assert.equal(built.lists[0]?.recpCode, '');
  });
});

describe('field rules', () => {
  const issuesOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ValidationError);
      return e.issues.map((i) => `${i.path}: ${i.rule}`);
    }
    assert.fail('expected a ValidationError');
  };

  it('names the field of the order that broke which rule', () => {
    const p = makePayment();
    const bad = {
      ...p,
      orders: [p.orders[0], { ...p.orders[1], goodsInfo: [{ gname: '货'.repeat(251), itemLink: 'x' }] }],
    };
    const issues = issuesOf(() => validatePayExchangeInfo(buildPayExchangeInfo(bad as never, GUID)));
    assert.deepEqual(issues, ['payExchangeInfoLists[1].goodsInfo[0].gname: at most 250 characters (C..250)']);
  });

  it('counts characters, not bytes: 250 CJK characters fit gname', () => {
    const p = makePayment({}, ['A1']);
    const ok = {
      ...p,
      orders: [{ ...p.orders[0], goodsInfo: [{ gname: '货'.repeat(250), itemLink: 'x' }] }],
    };
    assert.doesNotThrow(() => validatePayExchangeInfo(buildPayExchangeInfo(ok as never, GUID)));
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['guid of 35 characters', { guid: GUID.slice(1) }, /^payExchangeInfoHead\.guid: must be 36/],
    ['lower-case guid', { guid: GUID.toLowerCase() }, /^payExchangeInfoHead\.guid:/],
    [
      'tradingTime not 14 digits',
      { tradingTime: '2026-11-22' },
      /^payExchangeInfoHead\.tradingTime: must be 14 digits/,
    ],
    ['tradingTime not a real date', { tradingTime: '20260230120000' }, /real date/],
    ['verDept 4', { verDept: '4' }, /^payExchangeInfoHead\.verDept: must be 1 \(UnionPay\)/],
    ['payType 5', { payType: '5' }, /^payExchangeInfoHead\.payType:/],
    ['6 decimals', { totalAmount: 1.123456 }, /N19,5/],
    ['negative amount', { totalAmount: -1 }, /negative/],
    ['amount as a string', { totalAmount: '5.0' }, /must be a number/],
    ['currency CNY', { currency: 'CNY' }, /currency code/],
    ['empty ebpCode', { ebpCode: '' }, /^payExchangeInfoHead\.ebpCode: required/],
    ['ebpCode of 19', { ebpCode: 'A'.repeat(19) }, /C\.\.18/],
    ['initalRequest over 8000', { initalRequest: 'x'.repeat(8001) }, /C\.\.8000/],
    ['note over 1000', { note: 'x'.repeat(1001) }, /C\.\.1000/],
  ];
  for (const [name, change, expected] of cases) {
    it(`refuses ${name}`, () => {
      const info = buildPayExchangeInfo(makePayment(), GUID);
      const issues = issuesOf(() =>
        validatePayExchangeInfo({ head: { ...info.head, ...change }, lists: info.lists }),
      );
      assert.match(issues.join('\n'), expected);
    });
  }

  it('accepts both 100 and 5.0 style amounts and 19,5 at the edge', () => {
    for (const totalAmount of [100, 5, 0.00001, 99999999999999.5]) {
      const info = buildPayExchangeInfo(makePayment({ totalAmount }), GUID);
      assert.doesNotThrow(() => validatePayExchangeInfo(info), String(totalAmount));
    }
  });

  it('refuses a payment without orders or with an order twice', () => {
    assert.match(
      issuesOf(() => parsePayment({ ...makePayment(), orders: [] })).join(),
      /orders: must hold at least one order/,
    );
    assert.match(issuesOf(() => parsePayment(makePayment({}, ['D1', 'D1']))).join(), /orderNo appears twice/);
  });
});

describe("customs' upload replies", () => {
  it('10000 is accepted, 2000x rejected with the message kept, 5xx and garbage retried', () => {
    assert.deepEqual(
      classifyUploadReply(200, '{"code":"10000","message":"上传成功","total":0,"serviceTime":1}'),
      { kind: 'accepted', code: '10000', message: '上传成功' },
    );
    assert.deepEqual(
      classifyUploadReply(200, '{"code":"20004","message":"企业实时数据获取验签证书未在服务系统注册"}'),
      { kind: 'rejected', code: '20004', message: '企业实时数据获取验签证书未在服务系统注册' },
    );
    assert.equal(classifyUploadReply(503, 'busy').kind, 'retry');
    assert.equal(classifyUploadReply(200, '<html>gateway</html>').kind, 'retry');
    assert.equal(classifyUploadReply(200, '{"code":"99999"}').kind, 'retry');
  });
});

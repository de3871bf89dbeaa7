import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCallbackBody, parseCallbackMessage } from '#core/clearance/callback-body.ts';
import { parseClearanceTime, parseReturnTime } from '#core/clearance/china-time.ts';
import { CallbackRejectedError } from '#core/clearance/errors.ts';
import {
  ceb312Xml,
  ceb621Xml,
  ceb622Xml,
  clearanceNotice,
  DEMO_BUYER,
  withDefaultNamespace,
} from '#local/demo-clearance.ts';
import { CALLBACK_FIXTURES, callbackFixture, FIXTURE_ORDER } from '#test/helpers/clearance.ts';

const NOW = 1_795_300_000_000;
const parse = (body: string, contentType?: string) => parseCallbackBody(contentType, Buffer.from(body), NOW);

function rejected(fn: () => unknown): CallbackRejectedError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CallbackRejectedError, String(e));
    return e;
  }
  assert.fail('expected the callback to be rejected');
}

describe('reading a clearance callback', () => {
  it('reads each fixture shape into events of the fixture order', () => {
    const read = Object.fromEntries(
      CALLBACK_FIXTURES.map((name) => {
        const e = callbackFixture(name);
        const type = Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
        return [name, parse(e.body ?? '', type)];
      }),
    );
    for (const events of Object.values(read)) assert.equal(events[0]?.orderNo, FIXTURE_ORDER);
    assert.deepEqual(
      Object.values(read).map((events) => [
        events[0]?.source,
        events[0]?.returnStatus ?? events[0]?.clearanceStatus,
      ]),
      [
        ['notice', 2],
        ['notice', 1],
        ['CEB312', 120],
        ['CEB622', 800],
        ['CEB312', 2],
      ],
    );
    const invt = read['ceb622-xml']?.[0];
    assert.equal(invt?.refs.invtNo, '29912026I000001');
    assert.equal(invt?.refs.customsCode, '2991');
    assert.equal(invt?.info, '[Code:2600;Desc:放行][订单编号：SO202611220001]');
    assert.equal(invt?.refs.copNo, 'NBBH2026112200001');
  });

  it('reads a notice as a bare JSON object, wrapped, or wrapped as a JSON string', () => {
    const notice = clearanceNotice({
      orderNo: 'SO-1',
      status: 2,
      resultCode: '0000',
      at: NOW,
      idempotent: 'k1',
    });
    const bare = parse(JSON.stringify(notice), 'application/json');
    const wrapped = parse(JSON.stringify({ order_clearance_info_request: notice }));
    const asString = parse(JSON.stringify({ order_clearance_info_request: JSON.stringify(notice) }));
    assert.deepEqual(wrapped, bare);
    assert.deepEqual(asString, bare);
    assert.equal(bare[0]?.dedupeKey, 'notice#k1#2#0000');
    assert.equal(bare[0]?.eventAt, Math.floor(NOW / 1000) * 1000);
  });

  it('keeps a 19-digit numeric order_id exact', () => {
    const body = '{"order_id":1234567890123456789,"clearance_status":1,"idempotent":"k"}';
    assert.equal(parse(body, 'application/json')[0]?.orderNo, '1234567890123456789');
  });

  it('keeps an orderNo of digits as text in XML (leading zeros and all)', () => {
    const xml = ceb312Xml({
      guid: 'G',
      ebpCode: 'E',
      orderNo: '000123',
      returnStatus: 800,
      at: NOW,
      returnInfo: 'a &amp; b <c>',
    });
    const [e] = parse(xml);
    assert.equal(e?.orderNo, '000123');
    assert.equal(e?.info, 'a &amp; b <c>');
  });

  it('reads no orderNo into a CEB622 receipt (copNo is the agent’s own number), unless returnInfo names it', () => {
    const xml = ceb622Xml({
      guid: 'G',
      ebpCode: 'E',
      customsCode: '2991',
      agentCode: 'A',
      copNo: 'SO-9',
      preNo: 'P',
      invtNo: 'I',
      returnStatus: 501,
      at: NOW,
      returnInfo: '扣留',
    });
    const [held] = parse(xml, 'text/xml');
    assert.equal(held?.orderNo, undefined);
    assert.equal(held?.refs.copNo, 'SO-9');
    const named = xml.replace('扣留', '清单新增申报成功[B2026][电商企业编码：E订单编号：SO202611220099]');
    assert.equal(parse(named, 'text/xml')[0]?.orderNo, 'SO202611220099');
    assert.deepEqual(parseCallbackMessage('text/xml', Buffer.from(named), NOW).links, [
      { copNo: 'SO-9', orderNo: 'SO202611220099', source: 'returnInfo', ebpCode: 'E' },
    ]);
  });

  it('reads CEB312 and CEB622 with customs’ default namespace as with the ceb: prefix', () => {
    const receipt = ceb622Xml({
      guid: 'G',
      ebpCode: 'E',
      customsCode: '2991',
      agentCode: 'A',
      copNo: 'NB-1',
      preNo: 'P',
      invtNo: 'I',
      returnStatus: 800,
      at: NOW,
      returnInfo: '[Code:2600;Desc:放行]',
    });
    const order = ceb312Xml({
      guid: 'G2',
      ebpCode: 'E',
      orderNo: 'SO-1',
      returnStatus: 120,
      at: NOW,
      returnInfo: 'x',
    });
    for (const xml of [receipt, order]) {
      const plain = withDefaultNamespace(xml);
      assert.doesNotMatch(plain, /ceb:/);
      assert.match(plain, /xmlns="http:\/\/www.chinaport.gov.cn\/ceb"/);
      assert.deepEqual(parse(plain, 'application/xml'), parse(xml, 'application/xml'));
    }
  });

  it('reads from a CEB621 only the link copNo -> orderNo, never the buyer’s data', () => {
    const xml = ceb621Xml({
      guid: 'G',
      orderNo: 'SO-621',
      copNo: 'NB-621',
      logisticsNo: 'LN-1',
      ebpCode: 'E',
      agentCode: 'A',
    });
    for (const text of [xml, withDefaultNamespace(xml)]) {
      const message = parseCallbackMessage('application/xml', Buffer.from(text), NOW);
      assert.deepEqual(message.events, []);
      assert.deepEqual(message.links, [
        { copNo: 'NB-621', orderNo: 'SO-621', source: 'CEB621', logisticsNo: 'LN-1', ebpCode: 'E' },
      ]);
      const kept = JSON.stringify(message);
      for (const personal of Object.values(DEMO_BUYER).slice(1))
        assert.ok(!kept.includes(personal), personal);
    }
    // A bad head names the field, never the buyer's data around it.
    const broken = xml.replace('<ceb:copNo>NB-621</ceb:copNo>', '<ceb:copNo/>');
    assert.throws(
      () => parseCallbackMessage('application/xml', Buffer.from(broken), NOW),
      (e) =>
        e instanceof CallbackRejectedError &&
        /copNo/.test(e.message) &&
        !Object.values(DEMO_BUYER)
          .slice(1)
          .some((p) => e.message.includes(p)),
    );
  });

  it('reads every receipt of a message that holds several', () => {
    const one = (status: number) =>
      `<ceb:OrderReturn><ceb:guid>G</ceb:guid><ceb:orderNo>SO-1</ceb:orderNo><ceb:returnStatus>${status}</ceb:returnStatus><ceb:returnTime>20261122100000000</ceb:returnTime></ceb:OrderReturn>`;
    const xml = `<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb">${one(2)}${one(120)}</ceb:CEB312Message>`;
    assert.deepEqual(
      parse(xml).map((e) => e.dedupeKey),
      ['CEB312#G#2', 'CEB312#G#120'],
    );
  });

  it('reads a GB2312 receipt straight from customs', () => {
    const xml = ceb312Xml({
      guid: 'G',
      ebpCode: 'E',
      orderNo: 'SO-1',
      returnStatus: 800,
      at: NOW,
      returnInfo: '放行',
    }).replace('UTF-8', 'gb2312');
    const utf8 = Buffer.from(xml);
    // Node cannot encode GB2312; the one non-ASCII word by hand: 放行 is B7 C5 D0 D0.
    const at = utf8.indexOf('放行');
    const bytes = Buffer.concat([
      utf8.subarray(0, at),
      Buffer.from([0xb7, 0xc5, 0xd0, 0xd0]),
      utf8.subarray(at + Buffer.byteLength('放行')),
    ]);
    assert.equal(parseCallbackBody('application/xml', bytes, NOW)[0]?.info, '放行');
  });

  it('answers PARAM_NOT_NULL for a missing required field, naming it', () => {
    const cases: [string, RegExp][] = [
      ['{"order_id":"1","clearance_status":1}', /idempotent is missing/],
      ['{"clearance_status":1,"idempotent":"k"}', /order_id is missing/],
      ['{"order_id":"1","clearance_status":2,"idempotent":"k"}', /clearance_result_code is missing/],
      ['', /empty/],
      [
        '<ceb:CEB312Message xmlns:ceb="x"><ceb:OrderReturn><ceb:guid>g</ceb:guid><ceb:orderNo>1</ceb:orderNo><ceb:returnTime>20261122100000000</ceb:returnTime></ceb:OrderReturn></ceb:CEB312Message>',
        /returnStatus is missing/,
      ],
    ];
    for (const [body, message] of cases) {
      const e = rejected(() => parse(body));
      assert.equal(e.code, 'PARAM_NOT_NULL', body);
      assert.match(e.message, message);
    }
    const form = rejected(() => parse('foo=bar', 'application/x-www-form-urlencoded'));
    assert.equal(form.code, 'PARAM_NOT_NULL');
  });

  it('answers PARAM_INVALID for a bad value or an unknown shape', () => {
    const cases: [string, RegExp][] = [
      ['{"order_id":"1","clearance_status":3,"idempotent":"k"}', /clearance_status must be 1/],
      [
        '{"order_id":"1","clearance_status":2,"clearance_result_code":"500","idempotent":"k"}',
        /000 \(released\) or 100/,
      ],
      [
        '{"order_id":"1","clearance_status":1,"idempotent":"k","clearance_time":"2026-02-30 10:00:00"}',
        /yyyy-MM-dd/,
      ],
      ['{"hello":"world"}', /not a clearance callback/],
      ['{"order_id":', /not valid JSON/],
      ['<ceb:CEB311Message xmlns:ceb="x"/>', /expected a CEB312Message, CEB622Message or CEB621Message/],
      ['<a><b></a>', /not well-formed/],
    ];
    for (const [body, message] of cases) {
      const e = rejected(() => parse(body));
      assert.equal(e.code, 'PARAM_INVALID', body);
      assert.match(e.message, message);
    }
  });

  it('refuses XML with a DOCTYPE: no entity expansion, no external entities', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
      '<ceb:CEB312Message xmlns:ceb="x"><ceb:OrderReturn><ceb:guid>&x;</ceb:guid></ceb:OrderReturn></ceb:CEB312Message>';
    assert.match(rejected(() => parse(xxe)).message, /DOCTYPE/);
    const bomb = '<!DOCTYPE l [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>';
    assert.match(rejected(() => parse(bomb, 'application/xml')).message, /DOCTYPE/);
  });

  it('reads CDATA and character references as text, and leaves an unknown entity as written', () => {
    const body = (info: string) =>
      `<CEB312Message><OrderReturn><guid>G</guid><orderNo>SO-1</orderNo><returnStatus>2</returnStatus><returnTime>20261122100000000</returnTime><returnInfo>${info}</returnInfo></OrderReturn></CEB312Message>`;
    assert.equal(parse(body('<![CDATA[a<b]]> &#x653E;&#34;'))[0]?.info, 'a<b 放"');
    assert.equal(parse(body('x &nbsp; y'))[0]?.info, 'x &nbsp; y');
  });

  it('answers PARAM_INVALID, not a failure of ours, for XML nested past any receipt or odd element names', () => {
    const deep = rejected(() => parse('<a>'.repeat(20_000), 'application/xml'));
    assert.equal(deep.code, 'PARAM_INVALID');
    const proto =
      '<CEB312Message><OrderReturn><__proto__><orderNo>X</orderNo></__proto__><guid>G</guid><orderNo>SO-1</orderNo><returnStatus>2</returnStatus><returnTime>20261122100000000</returnTime></OrderReturn></CEB312Message>';
    const [e] = parse(proto);
    assert.equal(e?.orderNo, 'SO-1');
    assert.equal(({} as Record<string, unknown>).orderNo, undefined);
  });

  it("reads customs' and the notice's times as China time (UTC+8), strictly", () => {
    assert.equal(parseReturnTime('20261122140000123'), Date.parse('2026-11-22T06:00:00.123Z'));
    assert.equal(parseReturnTime('20261122140000'), Date.parse('2026-11-22T06:00:00Z'));
    assert.equal(parseClearanceTime('2023-06-20 13:21:54'), Date.parse('2023-06-20T05:21:54Z'));
    assert.equal(parseReturnTime('20261322140000000'), undefined);
    assert.equal(parseClearanceTime('2023-06-20T13:21:54'), undefined);
  });
});

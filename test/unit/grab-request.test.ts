import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MalformedGrabError } from '#core/errors.ts';
import { parseGrabRequest } from '#core/protocol/grab-request.ts';

const FORM = 'application/x-www-form-urlencoded; charset=UTF-8';
const form = (openReq: string) => new URLSearchParams({ openReq }).toString();
const grab = { orderNo: 'ord201800002', sessionID: 'fe2374-8fnejf97-32839218', serviceTime: 1533271903898 };

describe('the grab customs sends (platDataOpen)', () => {
  it('reads the form field openReq', () => {
    assert.deepEqual(parseGrabRequest({ contentType: FORM, body: form(JSON.stringify(grab)) }), grab);
  });

  it('reads openReq whose quotes were HTML-escaped', () => {
    const escaped = JSON.stringify(grab).replaceAll('"', '&quot;');
    assert.deepEqual(parseGrabRequest({ contentType: FORM, body: form(escaped) }), grab);
  });

  it('reads a raw JSON body and a base64-encoded one', () => {
    assert.deepEqual(parseGrabRequest({ contentType: 'application/json', body: JSON.stringify(grab) }), grab);
    const b64 = Buffer.from(form(JSON.stringify(grab))).toString('base64');
    assert.deepEqual(parseGrabRequest({ contentType: FORM, body: b64, isBase64Encoded: true }), grab);
  });

  it('takes serviceTime as a number or a numeric string, and tolerates its absence', () => {
    const asString = { ...grab, serviceTime: '1533271903898' };
    assert.equal(
      parseGrabRequest({ contentType: FORM, body: form(JSON.stringify(asString)) }).serviceTime,
      1533271903898,
    );
    const { serviceTime: _s, ...without } = grab;
    assert.deepEqual(parseGrabRequest({ contentType: FORM, body: form(JSON.stringify(without)) }), without);
  });

  const refused: [string, string | null, string, RegExp][] = [
    ['an empty body', '', '20001', /empty/],
    ['a form without openReq', 'foo=bar', '20001', /openReq is missing/],
    ['openReq that is not JSON', form('{orderNo: x'), '20002', /not valid JSON/],
    ['openReq that is a JSON array', form('[1,2]'), '20002', /JSON object/],
    ['no sessionID', form(JSON.stringify({ orderNo: 'A1' })), '20003', /^sessionID is missing$/],
    ['a sessionID with spaces', form(JSON.stringify({ ...grab, sessionID: 'a b' })), '20003', /sessionID/],
    // pasted raw into the sign source between quotes and `||`: customs could not rebuild it
    ...['"', '\\', '|'].map((c): [string, string, string, RegExp] => [
      `a sessionID holding ${c}`,
      form(JSON.stringify({ ...grab, sessionID: `S${c}1` })),
      '20003',
      /must not hold/,
    ]),
    ['no orderNo', form(JSON.stringify({ sessionID: 'S1' })), '20005', /^orderNo is missing$/],
    ...['\u0000', '\n', '\u001b', '\ufffd'].map((c): [string, string, string, RegExp] => [
      `an orderNo holding U+${c.codePointAt(0)?.toString(16).padStart(4, '0')}`,
      form(JSON.stringify({ ...grab, orderNo: `SO${c}1` })),
      '20005',
      /control character or bytes that are not UTF-8/,
    ]),
    [
      'a form whose %-escapes are not UTF-8',
      `openReq=${encodeURIComponent('{"sessionID":"S1","orderNo":"SO')}%FF%FE${encodeURIComponent('"}')}`,
      '20002',
      /not UTF-8/,
    ],
    [
      'an orderNo over 60 characters',
      form(JSON.stringify({ ...grab, orderNo: 'O'.repeat(61) })),
      '20005',
      /60/,
    ],
    [
      'a serviceTime that is not a number',
      form(JSON.stringify({ ...grab, serviceTime: 'yesterday' })),
      '20006',
      /serviceTime/,
    ],
  ];
  it('refuses a base64 body that is not UTF-8 with 20002, rather than guessing at its text', () => {
    const bytes = Buffer.concat([
      Buffer.from(`openReq=${encodeURIComponent('{"sessionID":"S1","orderNo":"SO')}`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(encodeURIComponent('"}')),
    ]);
    assert.throws(
      () => parseGrabRequest({ contentType: FORM, body: bytes.toString('base64'), isBase64Encoded: true }),
      (e: unknown) => e instanceof MalformedGrabError && e.code === '20002' && /not UTF-8/.test(e.message),
    );
  });

  it('still reads CJK orderNos sent as %-escaped UTF-8', () => {
    const cjk = { ...grab, orderNo: '订单-2026-一' };
    assert.deepEqual(parseGrabRequest({ contentType: FORM, body: form(JSON.stringify(cjk)) }), cjk);
  });

  for (const [name, body, code, message] of refused) {
    it(`refuses ${name} with ${code} and a readable message`, () => {
      assert.throws(
        () => parseGrabRequest({ contentType: FORM, body }),
        (e: unknown) => e instanceof MalformedGrabError && e.code === code && message.test(e.message),
      );
    });
  }
});

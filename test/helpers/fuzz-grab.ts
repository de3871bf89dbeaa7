import { decodeXML } from 'entities';
import fc from 'fast-check';
import type { HttpBody } from '#core/protocol/grab-request.ts';
import { GrabReplyCode } from '#core/protocol/reply-codes.ts';
import { anyText, injection, loneSurrogate, objectText, oddChar, oddText } from './fuzz-text.ts';

/**
 * Grab requests for the fuzz tests: valid grabs (with what they must parse to), and bad ones by
 * kind with the 2000x code customs must get, each in every way customs may send it.
 */

export interface ValidGrab {
  /** what goes on the wire */
  readonly sessionID: string;
  readonly orderNo: string;
  readonly serviceTime?: number | string;
  /** what parseGrabRequest must return */
  readonly expected: { sessionID: string; orderNo: string; serviceTime?: number };
}

const printableAscii = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
/** What a sessionID may hold: printable ASCII but `"`, `\` and `|`, which would break the sign source. */
const sessionIDChar = printableAscii.filter((c) => !'"\\|'.includes(c));
export const validSessionID = fc.oneof(
  fc.string({ unit: sessionIDChar, minLength: 1, maxLength: 128 }),
  fc.stringMatching(/^[A-Z]{6}-\d{8}$/),
);
const padding = fc.constantFrom('', ' ', '  ', '\t', '\u3000', '\n');
const orderNoCore = fc
  .string({ unit: oddChar, minLength: 1, maxLength: 60 })
  .filter((s) => s.trim() !== '' && !/[\p{Cs}\p{Cc}]/u.test(s));

export const validGrab: fc.Arbitrary<ValidGrab> = fc
  .record({
    sessionID: validSessionID,
    core: orderNoCore,
    before: padding,
    after: padding,
    serviceTime: fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
    asString: fc.boolean(),
  })
  .map(({ sessionID, core, before, after, serviceTime, asString }) => {
    const orderNo = `${before}${core}${after}`;
    const expected = {
      sessionID,
      orderNo: orderNo.trim(),
      ...(serviceTime === undefined ? {} : { serviceTime }),
    };
    return serviceTime === undefined
      ? { sessionID, orderNo, expected }
      : { sessionID, orderNo, serviceTime: asString ? String(serviceTime) : serviceTime, expected };
  });

export const grabJson = (g: Pick<ValidGrab, 'sessionID' | 'orderNo' | 'serviceTime'>): string =>
  JSON.stringify(
    g.serviceTime === undefined
      ? { orderNo: g.orderNo, sessionID: g.sessionID }
      : { orderNo: g.orderNo, sessionID: g.sessionID, serviceTime: g.serviceTime },
  );

// --- how a grab travels ---

export type Encoding = 'form' | 'form-quot' | 'form-extra-fields' | 'json' | 'json-wrapped' | 'json-as-form';
export const ENCODINGS: readonly Encoding[] = [
  'form',
  'form-quot',
  'form-extra-fields',
  'json',
  'json-wrapped',
  'json-as-form',
];
const FORM = 'application/x-www-form-urlencoded; charset=UTF-8';
const jsonContentType = fc.constantFrom<string | undefined>(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'TEXT/JSON',
  undefined,
);

/** customs' way of escaping quotes (and so ampersands) in the openReq field. */
export const quotEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** Put an openReq text on the wire in one encoding. */
export function encode(openReq: string, encoding: Encoding, jsonType?: string): HttpBody {
  switch (encoding) {
    case 'form':
      return { contentType: FORM, body: new URLSearchParams({ openReq }).toString() };
    case 'form-quot':
      return { contentType: FORM, body: new URLSearchParams({ openReq: quotEscape(openReq) }).toString() };
    case 'form-extra-fields':
      return {
        contentType: 'Application/X-WWW-Form-Urlencoded',
        body: new URLSearchParams([
          ['appId', 'x'],
          ['openReq', openReq],
          ['sign', '<script>'],
        ]).toString(),
      };
    case 'json':
      return { contentType: jsonType, body: ` \n${openReq}\n ` };
    case 'json-wrapped':
      return { contentType: jsonType, body: JSON.stringify({ openReq }) };
    case 'json-as-form':
      return { contentType: FORM, body: openReq };
  }
}

/** Whether an encoding carries this openReq text unchanged (raw bodies can only carry a '{' text). */
export function carries(openReq: string, encoding: Encoding): boolean {
  if (encoding === 'json' || encoding === 'json-as-form') {
    // A raw body is the openReq only when it is a JSON object's text and not also a form with openReq.
    return openReq.trim().startsWith('{') && (encoding === 'json' || !openReq.includes('&'));
  }
  return true;
}

export const encoded = (openReq: fc.Arbitrary<string>) =>
  fc
    .tuple(openReq, fc.constantFrom(...ENCODINGS), jsonContentType, fc.boolean())
    .filter(([text, encoding]) => carries(text, encoding))
    .map(([text, encoding, jsonType, base64]) => {
      const http = encode(text, encoding, jsonType);
      return {
        openReq: text,
        encoding,
        http: base64
          ? { ...http, body: Buffer.from(http.body ?? '', 'utf8').toString('base64'), isBase64Encoded: true }
          : http,
      };
    });

// --- bad grabs, by kind ---

export interface BadGrab {
  readonly kind: string;
  readonly openReq: string;
  readonly code: string;
}

const jsonOf = (v: unknown) => JSON.stringify(v);
const notAString = fc.oneof(
  fc.integer().map(jsonOf),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(jsonOf),
  fc.constantFrom('true', 'false', 'null', '[]', '{}', '["S1"]', '{"value":"S1"}'),
);
const sessionIDBad = fc.oneof(
  notAString,
  fc.constant('""'),
  fc.string({ unit: printableAscii, minLength: 129, maxLength: 400 }).map(jsonOf),
  fc
    .tuple(
      fc.string({ unit: printableAscii, maxLength: 20 }),
      fc.oneof(
        fc.constantFrom(' ', '\t', '\n', '\u007f', '\u0000', '中', '😀', '\u200b', '"', '\\', '|'),
        loneSurrogate,
      ),
      fc.string({ unit: printableAscii, maxLength: 20 }),
    )
    .map(([a, b, c]) => jsonOf(`${a}${b}${c}`)),
  injection.filter((s) => !/^[\x21-\x7e]{1,128}$/.test(s) || /["\\|]/.test(s)).map(jsonOf),
);
const orderNoBad = fc.oneof(
  notAString,
  fc.constantFrom('""', '"   "', '"\\t\\n"', '"\\u3000"', '"\\ufeff"'),
  // 61 characters or more: counted in code points, so astral ones count once each.
  fc
    .string({ unit: oddChar, minLength: 61, maxLength: 120 })
    .filter((s) => [...s.trim()].length > 60)
    .map(jsonOf),
  fc.constant(jsonOf('𠮷'.repeat(61))),
  // a control character inside (NUL, newline), or U+FFFD where bytes were not UTF-8
  fc
    .tuple(
      fc.string({ unit: printableAscii, minLength: 1, maxLength: 10 }),
      fc.constantFrom('\u0000', '\n', '\r', '\u001b', '\u007f', '\ufffd'),
      fc.string({ unit: printableAscii, minLength: 1, maxLength: 10 }),
    )
    .map(([a, b, c]) => jsonOf(`${a}${b}${c}`)),
  // JSON can carry half a surrogate pair (`\ud800`); no UTF-8 store or log can.
  fc
    .tuple(oddText({ maxLength: 10 }), loneSurrogate, oddText({ maxLength: 10 }))
    .map(([a, b, c]) => jsonOf(`${a}${b}${c}`)),
);
const serviceTimeBad = fc.oneof(
  fc.integer({ max: -1 }).map(jsonOf),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((n) => !Number.isInteger(n))
    .map(jsonOf),
  fc.constantFrom('""', '"-1"', '"1e3"', '" 123"', '"12.5"', '"0x1F"', 'null', 'true', '[]', '{}', '"NaN"'),
  // Past 2^53 a number is no longer exact milliseconds (and DynamoDB's SDK refuses to store it).
  fc.constantFrom('1e300', '1e16', '9007199254740993', '"9007199254740993"', '"9999999999999999"'),
  fc.bigInt({ min: 2n ** 53n, max: 10n ** 16n - 1n }).map((n) => `"${n}"`),
  fc.stringMatching(/^\d{17,25}$/).map(jsonOf),
  oddText({ minLength: 1, maxLength: 20 })
    .filter((s) => !/^\d{1,16}$/.test(s))
    .map(jsonOf),
);

/** Keys nobody asked for, some aimed at prototypes; never `openReq`, which a raw body would unwrap. */
const extraEntries = fc.array(
  fc.oneof(
    fc.tuple(
      fc.constantFrom('__proto__', 'constructor', 'prototype'),
      fc.constantFrom(
        '{"sessionID":"POLLUTED-1","orderNo":"POLLUTED"}',
        '{"prototype":{"sessionID":"POLLUTED-2"}}',
        '"x"',
      ),
    ),
    fc.tuple(
      fc
        .oneof(oddText({ maxLength: 10 }), injection)
        .filter((k) => k !== 'openReq' && !/^(sessionID|orderNo|serviceTime)$/.test(k)),
      fc.oneof(anyText, injection).map(jsonOf),
    ),
  ),
  { maxLength: 3 },
);

/** The fields with some extra keys, in any order, as one JSON object text. */
const shuffleWithExtras = (fields: [string, string][]) =>
  extraEntries
    .map((extras) => [...fields, ...extras])
    .chain((all) => fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }))
    .map(objectText);

export const badGrab: fc.Arbitrary<BadGrab> = fc.oneof(
  // 20002: not JSON (raw and after &quot; decoding)
  fc
    .oneof(
      validGrab.chain((g) => fc.nat({ max: grabJson(g).length - 2 }).map((n) => grabJson(g).slice(0, n + 1))),
      fc.constantFrom(
        "{'orderNo':'SO1','sessionID':'S1'}",
        '{orderNo:"SO1",sessionID:"S1"}',
        '{"orderNo":"SO1","sessionID":"S1",}',
        '{"orderNo":"SO1" /* c */,"sessionID":"S1"}',
        '{"serviceTime":NaN,"orderNo":"SO1","sessionID":"S1"}',
        '{"orderNo":"SO1","sessionID":"S1"}}',
        '<openReq><orderNo>SO1</orderNo></openReq>',
        '{&quot;orderNo&quot;:&quot;SO1&quot;',
        '',
      ),
      anyText,
    )
    .filter((t) => !parses(t))
    .map((openReq) => ({ kind: 'not JSON', openReq, code: GrabReplyCode.notJson })),
  // 20002: JSON, but not an object
  fc
    .oneof(
      fc
        .jsonValue()
        .filter((j) => typeof j !== 'object' || j === null || Array.isArray(j))
        .map(jsonOf),
      fc.constantFrom('[]', '[{"orderNo":"SO1","sessionID":"S1"}]', '"{}"', '0', 'null'),
    )
    .map((openReq) => ({ kind: 'not an object', openReq, code: GrabReplyCode.notJson })),
  // 20003: sessionID missing or wrong, whatever else is there
  fc
    .record({
      sessionID: fc.option(sessionIDBad, { nil: undefined }),
      orderNo: fc.option(fc.oneof(orderNoBad, oddText({ minLength: 1, maxLength: 20 }).map(jsonOf)), {
        nil: undefined,
      }),
      serviceTime: fc.option(fc.oneof(serviceTimeBad, fc.nat().map(jsonOf)), { nil: undefined }),
    })
    .chain((f) => shuffleWithExtras(entries(f)))
    .map((openReq) => ({ kind: 'bad sessionID', openReq, code: GrabReplyCode.badSessionID })),
  // 20005: good sessionID, orderNo missing or wrong
  fc
    .record({
      sessionID: validSessionID.map(jsonOf),
      orderNo: fc.option(orderNoBad, { nil: undefined }),
      serviceTime: fc.option(fc.oneof(serviceTimeBad, fc.nat().map(jsonOf)), { nil: undefined }),
    })
    .chain((f) => shuffleWithExtras(entries(f)))
    .map((openReq) => ({ kind: 'bad orderNo', openReq, code: GrabReplyCode.badOrderNo })),
  // 20006: good sessionID and orderNo, serviceTime not milliseconds
  fc
    .record({
      sessionID: validSessionID.map(jsonOf),
      orderNo: orderNoCore.map(jsonOf),
      serviceTime: serviceTimeBad,
    })
    .chain((f) => shuffleWithExtras(entries(f)))
    .map((openReq) => ({ kind: 'bad serviceTime', openReq, code: GrabReplyCode.badServiceTime })),
);

function entries(f: {
  sessionID?: string | undefined;
  orderNo?: string | undefined;
  serviceTime?: string | undefined;
}) {
  const out: [string, string][] = [];
  if (f.sessionID !== undefined) out.push(['sessionID', f.sessionID]);
  if (f.orderNo !== undefined) out.push(['orderNo', f.orderNo]);
  if (f.serviceTime !== undefined) out.push(['serviceTime', f.serviceTime]);
  return out;
}

/** Whether a text reads as JSON as sent, or once its `&quot;`s are decoded (as the parser tries). */
function parses(text: string): boolean {
  for (const candidate of [text, decodeXML(text)]) {
    try {
      JSON.parse(candidate.trim());
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** The code a bad grab gets in an encoding: a raw body that is not a '{' text has no openReq at all. */
export function expectedCode(bad: BadGrab, encoding: Encoding): string {
  const raw = encoding === 'json' || encoding === 'json-as-form';
  return raw && !bad.openReq.trim().startsWith('{') ? GrabReplyCode.emptyBody : bad.code;
}

/** Bad grabs in every encoding (a raw body only carries object-like text, else it is a body without openReq). */
export const badGrabOnTheWire = fc
  .tuple(badGrab, fc.constantFrom(...ENCODINGS), jsonContentType, fc.boolean())
  .filter(([bad, encoding]) => encoding !== 'json-as-form' || !bad.openReq.includes('&'))
  .map(([bad, encoding, jsonType, base64]) => {
    const plain = encode(bad.openReq, encoding, jsonType);
    const http: HttpBody = base64
      ? { ...plain, body: Buffer.from(plain.body ?? '', 'utf8').toString('base64'), isBase64Encoded: true }
      : plain;
    return { bad, encoding, http, code: expectedCode(bad, encoding) };
  });

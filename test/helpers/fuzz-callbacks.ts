import { escapeUTF8 } from 'entities';
import fc from 'fast-check';
import { formatClearanceTime, formatReturnTime } from '#core/clearance/china-time.ts';
import type { CallbackCode } from '#core/clearance/reply.ts';
import { anyText, injection, notUtf8, oddChar } from './fuzz-text.ts';

/**
 * Clearance callbacks for the fuzz tests: bodies a partner may get wrong, each with the code the
 * callback must answer (when the signature is good), and valid notices with odd text in them.
 */
export interface CallbackCase {
  readonly kind: string;
  readonly contentType: string | undefined;
  readonly body: string | Buffer;
  /** the one code it must get, or the codes it may get when the exact one is the parser's business */
  readonly code: CallbackCode | readonly CallbackCode[];
}

export const MAX_BODY_BYTES = 64 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';
const FORM_TYPE = 'application/x-www-form-urlencoded; charset=UTF-8';
const XML_TYPES = ['application/xml', 'text/xml; charset=UTF-8', 'application/xml; charset=GBK'] as const;
const CEB_NS = 'xmlns:ceb="http://www.chinaport.gov.cn/ceb"';
const EITHER: readonly CallbackCode[] = ['PARAM_INVALID', 'PARAM_NOT_NULL'];

/** Text the callback takes as a field value: no control characters, at most `max` characters (code points), not blank. */
const fieldText = (max: number) =>
  fc
    .string({ unit: oddChar, minLength: 1, maxLength: max })
    .map((s) => s.replace(/\p{Cc}/gu, ''))
    .filter((s) => s.trim() !== '' && [...s.trim()].length <= max);

const at = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });

export const validNotice = fc
  .record({
    orderNo: fieldText(60),
    status: fc.constantFrom(1, 2),
    resultCode: fc.constantFrom('0000', '0001', '1001', '1002'),
    at,
    idempotent: fieldText(128),
    receipt: fc.option(fieldText(1000), { nil: undefined }),
  })
  .map((n) => ({
    order_id: n.orderNo,
    clearance_status: n.status,
    ...(n.status === 2 ? { clearance_result_code: n.resultCode } : {}),
    clearance_port_no: '2991',
    clearance_time: formatClearanceTime(n.at),
    ...(n.receipt === undefined ? {} : { customs_return_receipt: n.receipt }),
    idempotent: n.idempotent,
  }));

/** A notice in one of the shapes partners send it. */
export function noticeBody(
  notice: Record<string, unknown>,
  shape: 'plain' | 'wrapped' | 'wrapped-string' | 'form',
): { contentType: string; body: string } {
  switch (shape) {
    case 'plain':
      return { contentType: JSON_TYPE, body: JSON.stringify(notice) };
    case 'wrapped':
      return { contentType: JSON_TYPE, body: JSON.stringify({ order_clearance_info_request: notice }) };
    case 'wrapped-string':
      return {
        contentType: JSON_TYPE,
        body: JSON.stringify({ order_clearance_info_request: JSON.stringify(notice) }),
      };
    case 'form':
      return {
        contentType: FORM_TYPE,
        body: new URLSearchParams({ order_clearance_info_request: JSON.stringify(notice) }).toString(),
      };
  }
}
const noticeShape = fc.constantFrom('plain', 'wrapped', 'wrapped-string', 'form') as fc.Arbitrary<
  'plain' | 'wrapped' | 'wrapped-string' | 'form'
>;

const REMOVE = Symbol('remove');
type Mutation = { field: string; value: unknown; code: CallbackCode };
const missing = (field: string): Mutation[] =>
  [REMOVE, null, '', '   '].map((value) => ({ field, value, code: 'PARAM_NOT_NULL' as const }));
const invalid = (field: string, values: unknown[]): Mutation[] =>
  values.map((value) => ({ field, value, code: 'PARAM_INVALID' as const }));

const NOTICE_MUTATIONS: Mutation[] = [
  ...missing('order_id'),
  ...invalid('order_id', [
    'x'.repeat(61),
    {},
    [],
    true,
    'SO\u0000',
    'SO\n1',
    'SO\u007f',
    // half a surrogate pair: JSON carries it, no store can
    'SO\ud800',
    '\udfff',
  ]),
  ...[REMOVE, null].map((value) => ({ field: 'clearance_status', value, code: 'PARAM_NOT_NULL' as const })),
  ...invalid('clearance_status', [3, 0, -1, 'x', 1.5, {}, '2a', 1e300]),
  ...missing('clearance_result_code'),
  ...invalid('clearance_result_code', ['ABC', '2000', 'x'.repeat(33), {}, ['0000']]),
  ...invalid('clearance_time', [
    'yesterday',
    '2026-13-01 00:00:00',
    '2026-02-30 00:00:00',
    'x'.repeat(20),
    [],
  ]),
  ...missing('idempotent'),
  ...invalid('idempotent', ['k'.repeat(129), {}, 'k\u0001', 'k\ud83d']),
  ...invalid('customs_return_receipt', ['r'.repeat(1001), 'line\u0007', { a: 1 }]),
];

const mutatedNotice: fc.Arbitrary<CallbackCase> = fc
  .tuple(validNotice, fc.constantFrom(...NOTICE_MUTATIONS), noticeShape)
  .map(([notice, m, shape]) => {
    const mutated: Record<string, unknown> = {
      ...notice,
      clearance_status: 2,
      clearance_result_code: '0000',
    };
    if (m.value === REMOVE) delete mutated[m.field];
    else mutated[m.field] = m.value;
    return {
      kind: `notice ${m.field}=${String(m.value === REMOVE ? '(absent)' : JSON.stringify(m.value))}`,
      ...noticeBody(mutated, shape),
      code: m.code,
    };
  });

// --- receipts ---

const validReturn = fc
  .record({ orderNo: fieldText(60), guid: fc.uuid(), status: fc.constantFrom(2, 120, 399, 800), at })
  .map((r) => ({
    guid: r.guid.toUpperCase(),
    ebpCode: '46016602EV',
    orderNo: r.orderNo,
    returnStatus: r.status,
    returnTime: formatReturnTime(r.at),
    returnInfo: '状态',
  }));

const RECEIPT_MUTATIONS: Mutation[] = [
  ...[REMOVE, ''].map((value) => ({ field: 'guid', value, code: 'PARAM_NOT_NULL' as const })),
  ...invalid('guid', ['G'.repeat(65)]),
  ...[REMOVE, ''].map((value) => ({ field: 'orderNo', value, code: 'PARAM_NOT_NULL' as const })),
  ...invalid('orderNo', ['x'.repeat(61)]),
  ...[REMOVE, ''].map((value) => ({ field: 'returnStatus', value, code: 'PARAM_NOT_NULL' as const })),
  ...invalid('returnStatus', ['abc', '1.5', '12345678901', '8OO']),
  ...[REMOVE, ''].map((value) => ({ field: 'returnTime', value, code: 'PARAM_NOT_NULL' as const })),
  ...invalid('returnTime', ['bad', '20261301000000000', '2026-01-01 00:00:00', '2026010100000000000']),
  ...invalid('returnInfo', ['i'.repeat(2001)]),
];
/** Wrong only in JSON: XML text cannot carry these. */
const JSON_ONLY_RECEIPT_MUTATIONS: Mutation[] = invalid('returnStatus', [
  1e300,
  2 ** 60,
  1.5,
  true,
  {},
]).concat(invalid('orderNo', ['SO\ud800', 'SO\u0000']));

const receiptXml = (r: Record<string, unknown>, type: 'CEB312' | 'CEB622' = 'CEB312') => {
  const item = type === 'CEB312' ? 'OrderReturn' : 'InventoryReturn';
  const fields = Object.entries(r)
    .map(([k, v]) => (v === '' ? `<ceb:${k}/>` : `<ceb:${k}>${escapeUTF8(String(v))}</ceb:${k}>`))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ceb:${type}Message ${CEB_NS}><ceb:${item}>${fields}</ceb:${item}></ceb:${type}Message>`;
};

const mutatedReceipt: fc.Arbitrary<CallbackCase> = fc.oneof(
  fc
    .tuple(validReturn, fc.constantFrom(...RECEIPT_MUTATIONS), fc.constantFrom(...XML_TYPES))
    .map(([r, m, contentType]) => {
      const mutated: Record<string, unknown> = { ...r };
      if (m.value === REMOVE) delete mutated[m.field];
      else mutated[m.field] = m.value;
      return { kind: `CEB312 XML ${m.field}`, contentType, body: receiptXml(mutated), code: m.code };
    }),
  fc
    .tuple(validReturn, fc.constantFrom(...RECEIPT_MUTATIONS, ...JSON_ONLY_RECEIPT_MUTATIONS))
    .map(([r, m]) => {
      const mutated: Record<string, unknown> = { ...r };
      if (m.value === REMOVE) delete mutated[m.field];
      else mutated[m.field] = m.value;
      return {
        kind: `CEB312 JSON ${m.field}=${JSON.stringify(m.value === REMOVE ? '(absent)' : m.value)}`,
        contentType: JSON_TYPE,
        body: JSON.stringify({ CEB312Message: { OrderReturn: mutated } }),
        code: m.code,
      };
    }),
);

// --- XML that must never be expanded, fetched or trusted ---

const XXE = [
  `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ceb:CEB312Message ${CEB_NS}><ceb:OrderReturn><ceb:guid>&xxe;</ceb:guid><ceb:orderNo>SO1</ceb:orderNo><ceb:returnStatus>2</ceb:returnStatus><ceb:returnTime>20260101000000000</ceb:returnTime></ceb:OrderReturn></ceb:CEB312Message>`,
  `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><ceb:CEB312Message ${CEB_NS}><ceb:OrderReturn><ceb:guid>&lol9;</ceb:guid></ceb:OrderReturn></ceb:CEB312Message>`,
  `<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:1/evil.dtd"><r/>`,
  `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x">%p;]><r/>`,
  `<!-- a comment first --><!doctype r [<!entity x "y">]><r>&x;</r>`,
  `<?xml version="1.0"?>\n<!ENTITY x "y"><r/>`,
];

const xmlGarbage: fc.Arbitrary<CallbackCase> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...XXE),
      fc.constantFrom<string | undefined>(...XML_TYPES, undefined, 'text/plain'),
    )
    .map(([body, contentType]) => ({
      kind: 'DOCTYPE / entities',
      contentType,
      body,
      code: 'PARAM_INVALID' as const,
    })),
  // not well-formed
  fc
    .tuple(
      fc.oneof(
        anyText.map((t) => `<ceb:CEB312Message ${CEB_NS}><ceb:OrderReturn>${t}`),
        anyText.map((t) => `<${t}>`),
        fc.constantFrom(
          '<',
          '<a><b></a></b>',
          '<a attr="1></a>',
          '<?xml version="1.0"?>',
          '<a>&#xD800;</a><b/>',
        ),
      ),
      fc.constantFrom(...XML_TYPES),
    )
    .map(([body, contentType]) => ({ kind: 'broken XML', contentType, body, code: EITHER })),
  // well-formed, but not a receipt
  fc
    .tuple(
      fc.constantFrom(
        '<r/>',
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>',
        `<ceb:CEB311Message ${CEB_NS}><ceb:Order/></ceb:CEB311Message>`,
        '<script>alert(1)</script>',
        '<a><![CDATA[<script>alert(1)</script>]]></a>',
        `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>`,
      ),
      fc.constantFrom(...XML_TYPES),
    )
    .map(([body, contentType]) => ({
      kind: 'not a receipt',
      contentType,
      body,
      code: 'PARAM_INVALID' as const,
    })),
  fc.constantFrom(...XML_TYPES).map((contentType) => ({
    kind: 'receipt without items',
    contentType,
    body: `<ceb:CEB312Message ${CEB_NS}></ceb:CEB312Message>`,
    code: 'PARAM_NOT_NULL' as const,
  })),
);

const jsonGarbage: fc.Arbitrary<CallbackCase> = fc.oneof(
  anyText
    .filter((t) => t.trim() !== '' && !parsesAsJson(t))
    .map((body) => ({ kind: 'not JSON', contentType: JSON_TYPE, body, code: 'PARAM_INVALID' as const })),
  fc
    .jsonValue()
    .filter((j) => typeof j !== 'object' || j === null || Array.isArray(j))
    .map((j) => ({
      kind: 'JSON, not an object',
      contentType: JSON_TYPE,
      body: JSON.stringify(j),
      code: 'PARAM_INVALID' as const,
    })),
  fc
    .dictionary(
      fc
        .oneof(anyText, injection)
        .filter(
          (k) =>
            ![
              'order_clearance_info_request',
              'CEB312Message',
              'CEB622Message',
              'idempotent',
              'order_id',
            ].includes(k),
        ),
      fc.jsonValue(),
      { maxKeys: 5 },
    )
    .map((d) => ({
      kind: 'JSON object of something else',
      contentType: JSON_TYPE,
      body: JSON.stringify(d),
      code: 'PARAM_INVALID' as const,
    })),
  fc
    .constantFrom(
      '{"__proto__":{"order_id":"SO1","idempotent":"k","clearance_status":1}}',
      '{"constructor":{"prototype":{"order_id":"SO1"}}}',
      '{"order_clearance_info_request":"{not json"}',
      '{"order_clearance_info_request":[1,2]}',
      '{"CEB312Message":"<x/>"}',
      '{"CEB312Message":{"OrderReturn":[]}}',
      '{"CEB622Message":{"InventoryReturn":{"guid":"G"}}}',
    )
    .map((body) => ({ kind: 'JSON trap', contentType: JSON_TYPE, body, code: EITHER })),
  fc
    .array(fc.constant({ guid: 'G', orderNo: 'SO1', returnStatus: 2, returnTime: '20260101000000000' }), {
      minLength: 101,
      maxLength: 120,
    })
    .map((items) => ({
      kind: 'too many receipts',
      contentType: JSON_TYPE,
      body: JSON.stringify({ CEB312Message: { OrderReturn: items } }),
      code: 'PARAM_INVALID' as const,
    })),
);

const formGarbage: fc.Arbitrary<CallbackCase> = fc.oneof(
  fc
    .dictionary(
      anyText.filter((k) => k !== 'order_clearance_info_request'),
      anyText,
      { maxKeys: 4 },
    )
    .map((d) => new URLSearchParams(d).toString())
    .filter((b) => b.trim() !== '')
    .map((body) => ({
      kind: 'form without the field',
      contentType: FORM_TYPE,
      body,
      code: 'PARAM_NOT_NULL' as const,
    })),
  anyText
    .filter((t) => t.trim() !== '' && !parsesAsJson(t))
    .map((t) => ({
      kind: 'form field not JSON',
      contentType: FORM_TYPE,
      body: new URLSearchParams({ order_clearance_info_request: t }).toString(),
      code: 'PARAM_INVALID' as const,
    })),
);

export const badCallback: fc.Arbitrary<CallbackCase> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', ' ', '\r\n\t')
      .chain((body) =>
        fc
          .constantFrom<string | undefined>(JSON_TYPE, FORM_TYPE, 'application/xml', undefined)
          .map((contentType) => ({ kind: 'empty', contentType, body, code: 'PARAM_NOT_NULL' as const })),
      ),
  },
  { weight: 3, arbitrary: mutatedNotice },
  { weight: 3, arbitrary: mutatedReceipt },
  { weight: 2, arbitrary: xmlGarbage },
  { weight: 2, arbitrary: jsonGarbage },
  { weight: 1, arbitrary: formGarbage },
  {
    weight: 1,
    arbitrary: fc
      .tuple(notUtf8, fc.constantFrom<string | undefined>(JSON_TYPE, FORM_TYPE, 'application/xml', undefined))
      .map(([body, contentType]) => ({
        kind: 'not UTF-8',
        contentType,
        body,
        code: 'PARAM_INVALID' as const,
      })),
  },
);

export const oversizedCallback: fc.Arbitrary<CallbackCase> = fc
  .tuple(
    fc.integer({ min: MAX_BODY_BYTES + 1, max: 3 * MAX_BODY_BYTES }),
    fc.constantFrom<string | undefined>(JSON_TYPE, 'application/xml', FORM_TYPE, undefined),
  )
  .map(([n, contentType]) => ({
    kind: 'too large',
    contentType,
    body: contentType === 'application/xml' ? `<a>${'x'.repeat(n)}</a>` : `{"order_id":"${'9'.repeat(n)}"}`,
    code: 'BODY_TOO_LARGE' as const,
  }));

/** Anything a stranger may post: the bad bodies above and good notices alike. */
export const anyCallbackBody: fc.Arbitrary<{ contentType: string | undefined; body: string | Buffer }> =
  fc.oneof(
    badCallback,
    fc.tuple(validNotice, noticeShape).map(([n, shape]) => noticeBody(n, shape)),
  );

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

import fc from 'fast-check';
import type { Payment } from '#core/protocol/payment.ts';
import { oddChar } from './fuzz-text.ts';

/**
 * Payments built from the spec's 接口内容 table, not from the product's schemas: lengths in
 * characters (a CJK or astral character counts once), N19,5 amounts, real yyyyMMddHHmmss times.
 * And single-field violations of that table, each with the path the product must name.
 */

const astralChar = fc.integer({ min: 0x20000, max: 0x2a6df }).map((c) => String.fromCodePoint(c));

/** C..max text: short mostly, sometimes exactly at the limit (in characters, astral ones too). */
export function textOf(max: number, min = 1): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: oddChar, minLength: min, maxLength: Math.min(max, 24) }) },
    { weight: 1, arbitrary: fc.string({ unit: oddChar, minLength: max, maxLength: max }) },
    { weight: 1, arbitrary: fc.string({ unit: astralChar, minLength: max, maxLength: max }) },
  );
}

/** N19,5: at most 14 digits before the point and 5 after, as JavaScript prints the number. */
export const amount: fc.Arbitrary<number> = fc
  .tuple(
    fc.oneof(fc.bigInt({ min: 0n, max: 10_000n }), fc.bigInt({ min: 0n, max: 10n ** 14n - 1n })),
    fc.stringMatching(/^\d{0,5}$/),
  )
  .map(([int, frac]) => Number(frac ? `${int}.${frac}` : `${int}`))
  .filter((n) => /^\d{1,14}(\.\d{1,5})?$/.test(String(n)));

/** yyyyMMddHHmmss of a real moment (leap days included). */
export const tradingTime: fc.Arbitrary<string> = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14));

const order = fc
  .record(
    {
      // an orderNo holds no control character (field-rules.ts cleanText)
      orderNo: textOf(60).map((t) => t.replace(/\p{Cc}/gu, '_')),
      goodsInfo: fc.array(
        fc.record({ gname: textOf(250), itemLink: textOf(3000) }, { noNullPrototype: true }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
      recpAccount: textOf(60),
      recpCode: fc.option(textOf(18, 0), { nil: undefined }),
      recpName: textOf(100),
    },
    { noNullPrototype: true },
  )
  .map(({ recpCode, ...o }) => (recpCode === undefined ? o : { ...o, recpCode }));

export const validPayment: fc.Arbitrary<Payment> = fc
  .record(
    {
      initalRequest: textOf(8000),
      initalResponse: textOf(8000),
      ebpCode: textOf(18),
      payCode: textOf(18),
      payTransactionId: textOf(60),
      totalAmount: amount,
      currency: fc.stringMatching(/^\d{3,4}$/),
      verDept: fc.constantFrom('1', '2', '3' as const),
      payType: fc.option(fc.constantFrom('1', '2', '3', '4' as const), { nil: undefined }),
      tradingTime,
      note: fc.option(textOf(1000, 0), { nil: undefined }),
      orders: fc.uniqueArray(order, { minLength: 1, maxLength: 4, selector: (o) => o.orderNo }),
    },
    { noNullPrototype: true },
  )
  .map(({ payType, note, ...p }) => ({
    ...p,
    ...(payType === undefined ? {} : { payType }),
    ...(note === undefined ? {} : { note }),
  }));

export const uploadGuid = fc.uuid().map((u) => u.toUpperCase());

// --- one field wrong ---

/** Where a field lives: the payment (head), one of its orders (lists), or one item of an order's goods. */
export type FieldPlace = 'payment' | 'order' | 'goods';
export interface Violation {
  readonly place: FieldPlace | 'guid';
  readonly field: string;
  /** `undefined`: the field is removed */
  readonly value: unknown;
  readonly why: string;
}

const tooLong = (max: number) => [
  { value: 'x'.repeat(max + 1), why: `${max + 1} ASCII characters` },
  { value: '𠮷'.repeat(max + 1), why: `${max + 1} astral characters` },
  { value: '中'.repeat(max + 1), why: `${max + 1} CJK characters` },
];
const notText = [
  { value: 1, why: 'a number' },
  { value: null, why: 'null' },
  { value: [], why: 'a list' },
  { value: {}, why: 'an object' },
];
const required = (max: number) => [
  ...tooLong(max),
  ...notText,
  { value: '', why: 'empty' },
  { value: undefined, why: 'missing' },
];
const optional = (max: number) => [...tooLong(max), ...notText];

const RULES: readonly {
  place: FieldPlace | 'guid';
  field: string;
  bad: { value: unknown; why: string }[];
}[] = [
  {
    place: 'guid',
    field: 'guid',
    bad: [
      { value: '9d55ba71-22de-41f4-8b50-c36c83b3b530', why: 'lower case' },
      { value: '9D55BA71-22DE-41F4-8B50-C36C83B3B53', why: '35 characters' },
      { value: ' 9D55BA71-22DE-41F4-8B50-C36C83B3B53', why: 'a space' },
      { value: undefined, why: 'missing' },
    ],
  },
  { place: 'payment', field: 'initalRequest', bad: required(8000) },
  { place: 'payment', field: 'initalResponse', bad: required(8000) },
  { place: 'payment', field: 'ebpCode', bad: required(18) },
  { place: 'payment', field: 'payCode', bad: required(18) },
  { place: 'payment', field: 'payTransactionId', bad: required(60) },
  { place: 'payment', field: 'note', bad: optional(1000) },
  {
    place: 'payment',
    field: 'totalAmount',
    bad: [
      { value: -1, why: 'negative' },
      { value: 1.123456, why: 'six decimals' },
      { value: 123456789012345, why: '15 integer digits' },
      { value: 1e21, why: 'exponent notation' },
      { value: Number.NaN, why: 'NaN' },
      { value: Number.POSITIVE_INFINITY, why: 'infinite' },
      { value: '128', why: 'a string' },
      { value: null, why: 'null' },
      { value: undefined, why: 'missing' },
    ],
  },
  {
    place: 'payment',
    field: 'currency',
    bad: [
      { value: 'CNY', why: 'letters' },
      { value: '14', why: 'two digits' },
      { value: '14200', why: 'five digits' },
      { value: 142, why: 'a number' },
      { value: undefined, why: 'missing' },
    ],
  },
  {
    place: 'payment',
    field: 'verDept',
    bad: [
      { value: '4', why: 'not 1-3' },
      { value: 1, why: 'a number' },
      { value: '', why: 'empty' },
      { value: undefined, why: 'missing' },
    ],
  },
  {
    place: 'payment',
    field: 'payType',
    bad: [
      { value: '5', why: 'not 1-4' },
      { value: 'APP', why: 'a name' },
      { value: 1, why: 'a number' },
    ],
  },
  {
    place: 'payment',
    field: 'tradingTime',
    bad: [
      { value: '2026-11-22 09:30:15', why: 'formatted' },
      { value: '20261322093015', why: 'month 13' },
      { value: '20260230093015', why: '30 February' },
      { value: '20250229093015', why: '29 February of a common year' },
      { value: '20261122093060', why: 'second 60' },
      { value: '2026112209301', why: '13 digits' },
      { value: 20261122093015, why: 'a number' },
      { value: undefined, why: 'missing' },
    ],
  },
  { place: 'order', field: 'orderNo', bad: required(60) },
  { place: 'order', field: 'recpAccount', bad: required(60) },
  { place: 'order', field: 'recpName', bad: required(100) },
  { place: 'order', field: 'recpCode', bad: optional(18) },
  {
    place: 'order',
    field: 'goodsInfo',
    bad: [
      { value: [], why: 'no items' },
      { value: {}, why: 'an object' },
      { value: undefined, why: 'missing' },
    ],
  },
  { place: 'goods', field: 'gname', bad: required(250) },
  { place: 'goods', field: 'itemLink', bad: required(3000) },
];

export const violation: fc.Arbitrary<Violation> = fc
  .constantFrom(...RULES)
  .chain((r) => fc.constantFrom(...r.bad).map((b) => ({ place: r.place, field: r.field, ...b })));

/** Set (or remove, for `undefined`) a key on a copy. */
export function withField<T extends object>(o: T, field: string, value: unknown): T {
  const copy: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  if (value === undefined) delete copy[field];
  else copy[field] = value;
  return copy as T;
}

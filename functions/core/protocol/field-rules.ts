import * as v from 'valibot';

/**
 * The spec's 接口内容 table as valibot schemas. Lengths are counted in characters (Unicode code
 * points), as the spec says, not in UTF-16 units or bytes.
 */
export const chars = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** C..n: a string of at most n characters. */
export const maxChars = (n: number, message = `at most ${n} characters (C..${n})`) =>
  v.check<string, string>((s) => chars(s) <= n, message);

/** JSON can carry half a UTF-16 surrogate pair (`\ud800`); DynamoDB and UTF-8 logs cannot, so it is no text. */
export const wholeCharacters = (message: string) =>
  v.check<string, string>((s) => !/\p{Cs}/u.test(s), message);

/** A required C..n field: present and not empty. */
export const requiredText = (n: number) =>
  v.pipe(v.string('must be a string'), v.minLength(1, 'required, must not be empty'), maxChars(n));

/** An optional C..n field: absent, or a string (empty allowed). */
export const optionalText = (n: number) => v.optional(v.pipe(v.string('must be a string'), maxChars(n)));

/**
 * orderNo C..60, the one rule for an order's number wherever it arrives (payment, grab, callback,
 * status query): 1 to 60 whole characters. It becomes part of a DynamoDB key and a log field.
 * `field` is the name the sender used (a clearance notice calls it order_id).
 */
export const orderNo = (field = 'orderNo') =>
  v.pipe(
    v.string(`${field} must be text`),
    v.minLength(1, `${field} is empty`),
    maxChars(60, `${field} is longer than 60 characters`),
    wholeCharacters(`${field} holds half of a UTF-16 surrogate pair`),
    cleanText(field),
  );

/**
 * No control characters (NUL, newline, ...) and no U+FFFD, which is what bytes that were not UTF-8
 * became on the way in: such a value is not what the sender meant, and would be stored and logged.
 */
export const cleanText = (field: string) =>
  v.check<string, string>(
    (s) => !/[\p{Cc}\uFFFD]/u.test(s),
    `${field} holds a control character or bytes that are not UTF-8`,
  );

/** An orderNo a person or customs typed: surrounding blanks are no part of it. */
export const trimmedOrderNo = (field = 'orderNo') =>
  v.pipe(v.string(`${field} is missing`), v.trim(), orderNo(field));

/**
 * sessionID: customs' key for one grab. It becomes a DynamoDB key and a log field: printable ASCII, no
 * spaces; and it is pasted raw into the sign source between `"` and `||` (docs/protocol.md §3), so `"`,
 * `\` and `|` would make a sign source customs cannot rebuild.
 */
export const sessionID = v.pipe(
  v.string('sessionID is missing'),
  v.regex(/^[\x21-\x7e]{1,128}$/, 'sessionID must be 1 to 128 printable ASCII characters without spaces'),
  v.regex(/^[^"\\|]*$/, 'sessionID must not hold ", \\ or |'),
);

/** guid C..36: 36 characters, upper case (letters A-Z, digits and hyphens). */
export const guid = v.pipe(
  v.string('must be a string'),
  v.regex(/^[0-9A-Z-]{36}$/, 'must be 36 characters of upper-case letters, digits and hyphens'),
);

/** N19,5: at most 19 digits, at most 5 of them after the decimal point; not negative. */
export const amount = v.pipe(
  v.number('must be a number'),
  v.finite('must be a finite number'),
  v.minValue(0, 'must not be negative'),
  v.check((n) => isN19_5(n), 'must fit N19,5 (at most 14 integer digits and 5 decimals)'),
);

export function isN19_5(n: number): boolean {
  const text = String(n);
  if (/e/i.test(text)) return false;
  const [int = '', frac = ''] = text.split('.');
  return int.replace('-', '').length <= 14 && frac.length <= 5;
}

/** tradingTime C..14: yyyyMMddHHmmss, a real calendar time. */
export const tradingTime = v.pipe(
  v.string('must be a string'),
  v.regex(/^\d{14}$/, 'must be 14 digits, yyyyMMddHHmmss'),
  v.check(isCalendarTime, 'must be a real date and time (yyyyMMddHHmmss)'),
);

function isCalendarTime(s: string): boolean {
  const [y, mo, d, h, mi, se] = [
    s.slice(0, 4),
    s.slice(4, 6),
    s.slice(6, 8),
    s.slice(8, 10),
    s.slice(10, 12),
    s.slice(12, 14),
  ].map(Number) as [number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return (
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === se
  );
}

/** verDept C1: 1 UnionPay, 2 NetsUnion, 3 other. */
export const verDept = v.picklist(['1', '2', '3'], 'must be 1 (UnionPay), 2 (NetsUnion) or 3 (other)');

/** payType C1: 1 APP, 2 PC, 3 scan, 4 other. */
export const payType = v.picklist(
  ['1', '2', '3', '4'],
  'must be 1 (APP), 2 (PC), 3 (scan code) or 4 (other)',
);

/** currency C..4: customs' currency code, e.g. 142 CNY, 502 USD. */
export const currency = v.pipe(
  v.string('must be a string'),
  v.regex(/^\d{3,4}$/, "must be customs' numeric currency code, e.g. 142 (CNY) or 502 (USD)"),
);

export const goodsInfo = v.object({
  gname: requiredText(250),
  itemLink: requiredText(3000),
});

/** One order of payExchangeInfoLists (and of a stored payment). */
export const orderLine = v.object({
  orderNo: orderNo(),
  goodsInfo: v.pipe(v.array(goodsInfo, 'must be a list'), v.minLength(1, 'must list at least one item')),
  recpAccount: requiredText(60),
  recpCode: optionalText(18),
  recpName: requiredText(100),
});

/** The payment fields shared by the stored record and payExchangeInfoHead. */
export const paymentFields = {
  initalRequest: requiredText(8000),
  initalResponse: requiredText(8000),
  ebpCode: requiredText(18),
  payCode: requiredText(18),
  payTransactionId: requiredText(60),
  totalAmount: amount,
  currency,
  verDept,
  payType: v.optional(payType),
  tradingTime,
  note: optionalText(1000),
} as const;

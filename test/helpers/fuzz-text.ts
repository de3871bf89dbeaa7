import fc from 'fast-check';

/**
 * Text arbitraries for the fuzz tests: the characters that break parsers, length checks and
 * storage (CJK, astral, RTL, zero-width, combining, control, quotes), injection strings, lone
 * surrogates and huge bodies. Runs are bounded; FUZZ_RUNS_FACTOR scales them up for a long session.
 */
export const runs = (n: number): number =>
  Math.max(1, Math.round(n * Number(process.env.FUZZ_RUNS_FACTOR ?? '1')));

/** fc.assert parameters: a bounded number of runs, and the failing assertion in the report itself. */
export const fuzz = (n: number) => ({
  numRuns: runs(n),
  includeErrorInReport: true,
  // Shrinking a megabyte of text char by char could take many minutes: report what it has by then.
  interruptAfterTimeLimit: 90_000,
  markInterruptAsFailure: true,
});

const range = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCodePoint(c));

/** One well-formed code point from the ranges that trouble text handling. */
export const oddChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: range(0x20, 0x7e) },
  { weight: 2, arbitrary: range(0x4e00, 0x9fff) }, // CJK
  { weight: 1, arbitrary: range(0x20000, 0x2a6df) }, // CJK extension B: astral, two UTF-16 units
  { weight: 1, arbitrary: range(0x1f300, 0x1faff) }, // emoji
  { weight: 1, arbitrary: range(0x0590, 0x06ff) }, // Hebrew, Arabic (RTL)
  { weight: 1, arbitrary: fc.constantFrom('\u202e', '\u202d', '\u2066', '\u2067', '\u2069', '\u200f') }, // bidi controls
  { weight: 1, arbitrary: fc.constantFrom('\u200b', '\u200c', '\u200d', '\u2060', '\ufeff') }, // zero-width
  { weight: 1, arbitrary: range(0x0300, 0x036f) }, // combining marks
  { weight: 1, arbitrary: fc.constantFrom('"', '\\', '/', '&', '<', '>', "'", '`', '$', '{', '}', '%', '#') },
  { weight: 1, arbitrary: range(0x00, 0x1f) }, // control characters
  { weight: 1, arbitrary: range(0xff01, 0xff5e) }, // full-width forms
);

/** A UTF-16 half that has no partner: JSON may carry one as `\ud800`, UTF-8 cannot. */
export const loneSurrogate: fc.Arbitrary<string> = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((c) => String.fromCharCode(c));

export const INJECTIONS = [
  "' OR '1'='1",
  '"; DROP TABLE sessions; --',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, on purpose
  '${process.exit(1)}',
  '{{7*7}}',
  '#{7*7}',
  '$(rm -rf /)',
  '`id`',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '\r\nX-Injected: 1',
  '%0d%0aSet-Cookie:x=1',
  '__proto__',
  'constructor',
  'prototype',
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
  '&quot;',
  '&amp;quot;',
  '\\u0000',
  '\\ud800',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'null',
  'undefined',
  '\u202egnp.exe',
  'Ｏｒｄｅｒ＃１',
] as const;

export const injection: fc.Arbitrary<string> = fc.constantFrom(...INJECTIONS);

/** Text of well-formed odd characters, with injection strings spliced in now and then. */
export function oddText(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  const text = fc.string({ unit: oddChar, ...constraints });
  return fc.oneof(
    { weight: 4, arbitrary: text },
    {
      weight: 1,
      arbitrary: fc.tuple(text, injection, text).map(([a, b, c]) => `${a}${b}${c}`),
    },
  );
}

/** Any text at all: odd characters, any code point, and lone surrogates. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: oddText({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(oddText({ maxLength: 20 }), loneSurrogate, oddText({ maxLength: 20 }))
      .map(([a, b, c]) => `${a}${b}${c}`),
  },
  { weight: 1, arbitrary: injection },
);

/** A large body: 100 KB to about 1.5 MB of repeated text, sometimes inside a JSON string. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 100_000, max: 1_500_000 }), fc.constantFrom('A', '中', '😀', '{', '"', '&', '\\'))
  .map(([n, c]) => c.repeat(Math.ceil(n / Buffer.byteLength(c))));

/** Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a truncated sequence, GBK). */
export const notUtf8: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(
      [0x80],
      [0xc0, 0xaf],
      [0xe4, 0xb8],
      [0xff, 0xfe],
      [0xed, 0xa0, 0x80], // an encoded surrogate
      [0xd6, 0xd0, 0xb9, 0xfa], // 中国 in GBK
    ),
    fc.uint8Array({ maxLength: 40 }),
  )
  .map(([a, bad, b]) => Buffer.concat([Buffer.from(a), Buffer.from(bad), Buffer.from(b)]))
  .filter((bytes) => !isUtf8(bytes));

export function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The number of characters (code points) in a string, as the spec counts them. */
export const codePoints = (s: string): number => [...s].length;

/** A JSON object text from raw key/value pairs, so keys such as `__proto__` stay plain keys. */
export const objectText = (entries: readonly (readonly [string, string])[]): string =>
  `{${entries.map(([k, valueText]) => `${JSON.stringify(k)}:${valueText}`).join(',')}}`;

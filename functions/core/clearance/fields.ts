import * as v from 'valibot';
import { maxChars, orderNo, wholeCharacters } from '../protocol/field-rules.ts';
import { CallbackRejectedError } from './errors.ts';

/** Field schemas shared by the notice and the receipts, and the issue -> reply code mapping. */

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;

/**
 * Partners send text loosely, so a callback's "loose" text differs from the payment's strict C..n
 * fields (core/protocol/field-rules.ts): a string or a number (as JSON senders do), trimmed, with no
 * control characters (it ends up in logs and XML replies), and blank means not given.
 */
const looseString = (field: string) =>
  v.pipe(
    v.union([v.string(), v.number()], `${field} must be text`),
    v.transform((x) => String(x).trim()),
    v.regex(NO_CONTROL_CHARS, `${field} holds control characters`),
  );

/** Blank, null or absent all become undefined. */
const blankAsAbsent = <T extends v.GenericSchema<unknown, string>>(schema: T) =>
  v.pipe(
    v.optional(v.nullable(schema)),
    v.transform((x) => (x ? x : undefined)),
  );

/** Loose text of at most `max` characters (code points, as customs counts them). */
export const looseText = (field: string, max: number) =>
  v.pipe(
    looseString(field),
    maxChars(max, `${field} is longer than ${max} characters`),
    wholeCharacters(`${field} holds half of a UTF-16 surrogate pair`),
  );

/** Loose text that must be given: blank is refused. */
export const requiredLooseText = (field: string, max: number) =>
  v.pipe(looseText(field, max), v.minLength(1, `${field} is empty`));

/** Loose text that may be left out: absent, null, empty and blank all mean "not given". */
export const optionalLooseText = (field: string, max: number) => blankAsAbsent(looseText(field, max));

/** A loosely sent orderNo, held to the protocol's one orderNo rule once trimmed. */
export const looseOrderNo = (field: string) => v.pipe(looseString(field), orderNo(field));

/** A loosely sent orderNo that may be left out (blank means not given). */
export const optionalLooseOrderNo = (field: string) =>
  v.pipe(blankAsAbsent(looseString(field)), v.optional(orderNo(field)));

export const integer = (field: string) =>
  v.pipe(
    v.union(
      // Past 2^53 a number is no exact integer, and DynamoDB's SDK refuses to store it.
      [v.pipe(v.number(), v.safeInteger()), v.pipe(v.string(), v.trim(), v.regex(/^-?\d{1,9}$/))],
      `${field} must be a whole number`,
    ),
    v.transform(Number),
  );

/** Turn the first valibot issue into the reply: a missing field is PARAM_NOT_NULL, a bad one PARAM_INVALID. */
export function rejectionOf(issues: readonly v.BaseIssue<unknown>[], what: string): CallbackRejectedError {
  const first = issues[0];
  const path = (first?.path ?? [])
    .map((p) => p.key)
    .filter((k): k is string | number => typeof k === 'string' || typeof k === 'number')
    .join('.');
  const missing = first?.input === undefined || first?.input === null || first?.input === '';
  if (missing && path) return new CallbackRejectedError('PARAM_NOT_NULL', `${what}: ${path} is missing`);
  return new CallbackRejectedError('PARAM_INVALID', `${what}: ${first?.message ?? 'invalid'}`);
}

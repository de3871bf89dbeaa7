import * as v from 'valibot';
import { CallbackRejectedError } from './errors.ts';

/** Field schemas shared by the notice and the receipts, and the issue -> reply code mapping. */

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;
const NO_LONE_SURROGATES = /^[^\p{Cs}]*$/u;

/** A text field: a string (or a number, as JSON senders do), trimmed; empty means absent. */
export const text = (field: string, max: number) =>
  v.pipe(
    v.union([v.string(), v.number()], `${field} must be text`),
    v.transform((x) => String(x).trim()),
    v.maxLength(max, `${field} is longer than ${max} characters`),
    v.regex(NO_CONTROL_CHARS, `${field} holds control characters`),
    // JSON can carry half a surrogate pair (`\ud800`); DynamoDB cannot store it.
    v.regex(NO_LONE_SURROGATES, `${field} holds half of a UTF-16 surrogate pair`),
  );

export const optionalText = (field: string, max: number) =>
  v.pipe(
    v.optional(v.nullable(text(field, max))),
    v.transform((x) => (x ? x : undefined)),
  );

export const requiredText = (field: string, max: number) =>
  v.pipe(text(field, max), v.minLength(1, `${field} is empty`));

/** An orderNo becomes part of a DynamoDB key and a log field: at most 60 characters, as customs allows. */
export const orderNoField = (field: string) => requiredText(field, 60);

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

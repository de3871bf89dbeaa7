import { randomInt } from 'node:crypto';

const HEX = '0123456789abcdef';
const ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

const pick = (alphabet: string, n: number): string =>
  Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

/**
 * A sessionID in the shape of the spec's sample, `fe2374-8fnejf97-32839218`: 6 hex, 8 letters or
 * digits, 8 digits. About 2^93 values, so a collision is a bug; callers still check their own set.
 */
export const newSessionID = (): string => `${pick(HEX, 6)}-${pick(ALNUM, 8)}-${pick(DIGITS, 8)}`;

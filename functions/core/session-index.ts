import { SessionSchema } from './session.ts';

/**
 * What the Sessions table's indexes (byOrder, byState) copy of a session: everything but the stored
 * upload. payExInfoStr is nearly all of an item's bytes, and every write that changes an indexed item
 * is billed again per index by size, so copying it would about double the cost of a grab's writes.
 * Whoever needs the payload of a listed session reads the session itself.
 */
export const SESSION_INDEX_OMITS = ['payExInfoStr'] as const;

/** The non-key attributes an index projects (INCLUDE), given the keys it and the table already carry. */
export function sessionIndexAttributes(keys: readonly string[]): string[] {
  const omitted = new Set<string>([...SESSION_INDEX_OMITS, ...keys]);
  return Object.keys(SessionSchema.entries).filter((name) => !omitted.has(name));
}

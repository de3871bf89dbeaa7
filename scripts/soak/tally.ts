/** What a soak run injected: counts by kind, and per session the events that struck it (for traces). */
export class Tally {
  readonly counts: Record<string, number> = {};
  readonly #bySession = new Map<string, string[]>();

  count(kind: string, sessionID?: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (sessionID === undefined) return;
    const list = this.#bySession.get(sessionID) ?? [];
    list.push(kind);
    this.#bySession.set(sessionID, list);
  }

  of(sessionID: string): readonly string[] {
    return this.#bySession.get(sessionID) ?? [];
  }
}

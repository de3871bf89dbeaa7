import { meaningOf, type RecordedEvent } from './event.ts';
import type { ClearanceState, StatusMeaning } from './return-status.ts';

/**
 * An order's current clearance state, derived from its whole timeline rather than from whichever
 * callback came last: callbacks arrive late, twice and out of order.
 *
 * Events are taken in the order they happened (the sender's time; ties by rank, then arrival), and
 * each moves the state unless the state has reached a point it cannot come back from:
 * - before customs accepted the declaration (rank < 120), anything later counts: a rejected order
 *   may be declared again, a failed send may be sent again;
 * - once accepted, only customs' decisions (rank >= 100) count: a stray e-port error does not undo it;
 * - once returned, released or closed (rank >= 700), only a further step counts (released -> closed).
 * So 2 -> 120 -> 800 stays released even when the 120 arrives last, or is stamped after the 800.
 */
export const ACCEPTED_RANK = 120;
export const FINAL_RANK = 700;

export interface TimelineEntry extends RecordedEvent {
  readonly status: StatusMeaning;
  /** whether this event moved the state when it happened (false: late, older, or unknown code) */
  readonly applied: boolean;
}

export interface ClearanceSummary {
  /** `none` until an event with a known meaning arrives */
  readonly state: ClearanceState | 'none';
  /** the event that put the order in its state (later ones of the same state only confirm it) */
  readonly current: TimelineEntry | undefined;
  /** every event, in the order they happened */
  readonly timeline: readonly TimelineEntry[];
}

function floorOf(rank: number): number {
  if (rank >= FINAL_RANK) return rank;
  if (rank >= ACCEPTED_RANK) return 100;
  return Number.NEGATIVE_INFINITY;
}

export function deriveClearance(events: readonly RecordedEvent[]): ClearanceSummary {
  const ordered = events
    .map((e) => ({ e, status: meaningOf(e) }))
    .sort(
      (a, b) =>
        a.e.eventAt - b.e.eventAt ||
        a.status.rank - b.status.rank ||
        a.e.receivedAt - b.e.receivedAt ||
        a.e.dedupeKey.localeCompare(b.e.dedupeKey),
    );
  let current: TimelineEntry | undefined;
  const timeline: TimelineEntry[] = [];
  for (const { e, status } of ordered) {
    const applied = status.state !== 'unknown' && (!current || status.rank >= floorOf(current.status.rank));
    const entry: TimelineEntry = { ...e, status, applied };
    if (applied && current?.status.state !== status.state) current = entry;
    timeline.push(entry);
  }
  return { state: current?.status.state ?? 'none', current, timeline };
}

/**
 * Customs' and the clearance parties' timestamps carry no zone: they are China Standard Time (UTC+8,
 * no daylight saving). Parsed strictly, so `20261301...` is refused rather than rolled into next year.
 */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** `yyyyMMddHHmmssSSS` (customs' returnTime; the milliseconds may be missing) -> ms since 1970. */
export function parseReturnTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(text);
  if (!m) return undefined;
  return build(m.slice(1, 7).map(Number), Number(m[7] ?? 0));
}

/** `yyyy-MM-dd HH:mm:ss` (the notice's clearance_time) -> ms since 1970. */
export function parseClearanceTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  return build(m.slice(1, 7).map(Number), 0);
}

/** ms since 1970 -> `yyyyMMddHHmmssSSS` in China time (for fixtures and the demo). */
export function formatReturnTime(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().replace(/\D/g, '').slice(0, 17);
}

/** ms since 1970 -> `yyyy-MM-dd HH:mm:ss` in China time. */
export function formatClearanceTime(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

function build([y, mo, d, h, mi, s]: number[], ms: number): number | undefined {
  if (y === undefined || mo === undefined || d === undefined) return undefined;
  if (h === undefined || mi === undefined || s === undefined) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  // Date.UTC rolls 13/32/25:61 over; a real time survives the round trip unchanged.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h) return undefined;
  if (back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined;
  return t - CHINA_OFFSET_MS;
}

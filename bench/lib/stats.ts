import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Measuring helpers shared by `npm run bench` and `npm run bench:signer`. */

/** The q-quantile (0..1) of `values` by nearest rank; NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export const latencyOf = (ms: readonly number[]): Latency => ({
  n: ms.length,
  p50: quantile(ms, 0.5),
  p99: quantile(ms, 0.99),
  max: ms.length ? Math.max(...ms) : Number.NaN,
});

/** CPU time (user + system) of this process since `since`, ms: all threads, not wall time. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

export interface Rate {
  readonly label: string;
  /** operations per second of CPU time (robust on a busy machine) */
  readonly perSecond: number;
  /** CPU ms per operation */
  readonly msEach: number;
  /** operations per second of wall time */
  readonly perWallSecond: number;
  readonly n: number;
}

/**
 * Run `fn` one at a time for about `seconds` (after a warm-up for JIT and precomputed tables) and
 * report its rate. Rates are per CPU second: other processes on the machine slow the wall clock,
 * not the work.
 */
export async function perSecond(
  label: string,
  seconds: number,
  fn: () => unknown | Promise<unknown>,
): Promise<Rate> {
  for (let i = 0; i < 20; i++) await fn();
  let n = 0;
  const c0 = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  const wall = performance.now() - start;
  const cpu = cpuMsSince(c0);
  return { label, perSecond: (n / cpu) * 1000, msEach: cpu / n, perWallSecond: (n / wall) * 1000, n };
}

/** Synchronous micro-benchmark: µs of CPU per call over about `seconds`, in rounds, best round kept. */
export function microsEach(fn: () => unknown, seconds = 1, rounds = 5): number {
  for (let i = 0; i < 200; i++) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const end = performance.now() + (seconds * 1000) / rounds;
    while (performance.now() < end) {
      fn();
      n++;
    }
    best = Math.min(best, (cpuMsSince(c0) * 1000) / n);
  }
  return best;
}

export const round = (x: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** CPU time (user + system) another process has used so far, ms, from /proc (Linux); NaN elsewhere. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
/** USER_HZ: 100 on every Linux Node runs on (sysconf is not reachable from Node). */
const CLOCK_TICKS_PER_SECOND = 100;

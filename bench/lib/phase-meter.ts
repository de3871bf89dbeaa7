import { performance } from 'node:perf_hooks';
import type { UploadPhase } from '#core/use-cases/upload-session.ts';

interface PhaseTotals {
  syncCpuMs: number;
  spanCpuMs: number;
  wallMs: number;
  count: number;
}

/**
 * The worker's `measure` hook for the benchmark. It records, per phase, the CPU time of the
 * phase's synchronous part: for building, signing in process and the self-check that is the whole
 * phase, exact even while other records of the batch wait on I/O (nothing else can run during a
 * synchronous stretch). Asynchronous phases (DynamoDB, customs) are timed by wall clock only.
 */
export class PhaseMeter {
  readonly syncCpuMs = new Map<UploadPhase, number>();
  /** CPU from a phase's start to its promise settling: the phase's own only when one record is in flight */
  readonly spanCpuMs = new Map<UploadPhase, number>();
  readonly wallMs = new Map<UploadPhase, number>();
  readonly count = new Map<UploadPhase, number>();

  readonly measure = <T>(phase: UploadPhase, work: () => T): T => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = work();
    const d = process.cpuUsage(c0);
    this.add(this.syncCpuMs, phase, (d.user + d.system) / 1000);
    this.add(this.count, phase, 1);
    if (result instanceof Promise) {
      return result.finally(() => {
        this.add(this.wallMs, phase, performance.now() - t0);
        const span = process.cpuUsage(c0);
        this.add(this.spanCpuMs, phase, (span.user + span.system) / 1000);
      }) as T;
    }
    this.add(this.wallMs, phase, performance.now() - t0);
    this.add(this.spanCpuMs, phase, (d.user + d.system) / 1000);
    return result;
  };

  snapshot(): Record<string, PhaseTotals> {
    const out: Record<string, PhaseTotals> = {};
    for (const [phase, count] of this.count) {
      out[phase] = {
        syncCpuMs: this.syncCpuMs.get(phase) ?? 0,
        spanCpuMs: this.spanCpuMs.get(phase) ?? 0,
        wallMs: this.wallMs.get(phase) ?? 0,
        count,
      };
    }
    return out;
  }

  /** CPU ms of `phase` per call since `before` (a snapshot). */
  static perCall(
    after: ReturnType<PhaseMeter['snapshot']>,
    before: ReturnType<PhaseMeter['snapshot']>,
    phase: UploadPhase,
  ): { cpuMs: number; spanCpuMs: number; wallMs: number; count: number } {
    const zero: PhaseTotals = { syncCpuMs: 0, spanCpuMs: 0, wallMs: 0, count: 0 };
    const a = after[phase] ?? zero;
    const b = before[phase] ?? zero;
    const count = a.count - b.count;
    const per = (k: keyof PhaseTotals) => (count ? (a[k] - b[k]) / count : 0);
    return { cpuMs: per('syncCpuMs'), spanCpuMs: per('spanCpuMs'), wallMs: per('wallMs'), count };
  }

  private add(map: Map<UploadPhase, number>, phase: UploadPhase, x: number): void {
    map.set(phase, (map.get(phase) ?? 0) + x);
  }
}

import type { ProxyErrorCode } from '#adapters/signers/hsm-proxy-protocol.ts';

export interface SignTimings {
  /** waiting for the device (the proxy signs one at a time) */
  readonly queueMs: number;
  /** inside the backend: the card service or the software key */
  readonly deviceMs: number;
  /** from the request's first byte to the reply */
  readonly totalMs: number;
}

export interface StatsSnapshot {
  readonly requests: number;
  readonly signatures: number;
  readonly errors: Partial<Record<ProxyErrorCode, number>>;
  /** sign requests being handled now, and the most there ever were at once */
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly queued: number;
  /** averages per signature; `overheadMs` is the proxy's own share (HTTP, JSON, checks) */
  readonly averageMs: { queue: number; device: number; overhead: number; total: number };
  readonly last?: SignTimings;
}

/** Counts and timings of the proxy, shown at /health so its overhead per signature can be measured. */
export class SignerStats {
  private requests = 0;
  private signatures = 0;
  private readonly errors: Partial<Record<ProxyErrorCode, number>> = {};
  private inFlight = 0;
  private maxInFlight = 0;
  private readonly sums = { queueMs: 0, deviceMs: 0, totalMs: 0 };
  private last: SignTimings | undefined;

  /** A sign request arrived; call the returned function when it is answered. */
  begin(): () => void {
    this.requests += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    return () => {
      if (!done) this.inFlight -= 1;
      done = true;
    };
  }

  signed(t: SignTimings): void {
    this.signatures += 1;
    this.sums.queueMs += t.queueMs;
    this.sums.deviceMs += t.deviceMs;
    this.sums.totalMs += t.totalMs;
    this.last = t;
  }

  failed(code: ProxyErrorCode): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  snapshot(queued: number): StatsSnapshot {
    const n = Math.max(1, this.signatures);
    const avg = (ms: number) => Math.round((ms / n) * 100) / 100;
    const { queueMs, deviceMs, totalMs } = this.sums;
    return {
      requests: this.requests,
      signatures: this.signatures,
      errors: { ...this.errors },
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      queued,
      averageMs: {
        queue: avg(queueMs),
        device: avg(deviceMs),
        overhead: avg(totalMs - queueMs - deviceMs),
        total: avg(totalMs),
      },
      ...(this.last ? { last: this.last } : {}),
    };
  }
}

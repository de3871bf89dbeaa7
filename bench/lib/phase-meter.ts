import { performance } from 'node:perf_hooks';
import type { CertificateInfo } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { buildPayExchangeInfo, validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { serializePayExchangeInfo } from '#core/protocol/serialize.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';

/** The steps of one delivery the bench reports: the ports' calls, and the pure steps between them. */
export type UploadPhase =
  | 'read-payment'
  | 'build'
  | 'certificate'
  | 'sign'
  | 'self-check'
  | 'claim'
  | 'record-prepared'
  | 'upload'
  | 'record-outcome';

/** stand-ins of the shapes the worker uses (a guid is 36 upper-case characters) */
const REPLAY_GUID = '9F1E2D3C-4B5A-4968-8776-655443322110';
const REPLAY_SESSION_ID = 'bench-replay-0000-0000-0000-000000000000';

interface PhaseTotals {
  syncCpuMs: number;
  spanCpuMs: number;
  wallMs: number;
  count: number;
}

export interface MeterSnapshot {
  readonly phases: Record<string, PhaseTotals>;
  /** how many signatures and payments had been seen: the pure steps replay what came after */
  readonly signed: number;
  readonly payments: number;
}

/**
 * Times a delivery's steps from outside the use case: `wrap` puts a timing decorator around the
 * worker's ports (sessions, payments, certificates, signer, customs). Per phase it records the CPU
 * time of the call's synchronous part: for signing in process that is the whole phase, exact even
 * while other records of the batch wait on I/O (nothing else can run during a synchronous stretch).
 * Asynchronous phases (DynamoDB, customs) are timed by wall clock only.
 *
 * The pure steps between the ports (building the payload, the self-check) are no port: the meter
 * keeps what the ports saw (each payment read, each signature made) and `replayPureSteps` runs the
 * same core functions on those inputs afterwards, outside the timed run.
 */
export class PhaseMeter {
  readonly syncCpuMs = new Map<UploadPhase, number>();
  /** CPU from a phase's start to its promise settling: the phase's own only when one record is in flight */
  readonly spanCpuMs = new Map<UploadPhase, number>();
  readonly wallMs = new Map<UploadPhase, number>();
  readonly count = new Map<UploadPhase, number>();
  private readonly signed: {
    signSource: string;
    signValue: string;
    certNo: string;
    certificate: CertificateInfo;
  }[] = [];
  private readonly paymentsRead: Payment[] = [];

  /** `deps` with each port call timed under its phase. */
  wrap(deps: UploadDeps): UploadDeps {
    const { sessions, payments, certificates, signer, customs } = deps;
    return {
      ...deps,
      sessions: this.timed(sessions, {
        claim: 'claim',
        claimWithPayload: 'claim',
        recordPrepared: 'record-prepared',
        recordOutcome: 'record-outcome',
      }),
      payments: {
        ...this.timed(payments, {}),
        findByOrder: (orderNo) =>
          this.measure('read-payment', async () => {
            const payment = await payments.findByOrder(orderNo);
            if (payment) this.paymentsRead.push(payment);
            return payment;
          }),
      },
      certificates: this.timed(certificates, { keyFor: 'certificate' }),
      signer: {
        sign: (data, key) =>
          this.measure('sign', async () => {
            const signature = await signer.sign(data, key);
            this.signed.push({ signSource: data, ...signature, certificate: key.certificate });
            return signature;
          }),
      },
      customs: this.timed(customs, { upload: 'upload' }),
    };
  }

  /**
   * Builds and self-checks again every payload seen since `since`, timing each under 'build' and
   * 'self-check' as the worker would have.
   */
  replayPureSteps(since: MeterSnapshot): void {
    for (const payment of this.paymentsRead.slice(since.payments)) {
      this.measure('build', () => {
        const info = validatePayExchangeInfo(buildPayExchangeInfo(payment, REPLAY_GUID));
        return serializePayExchangeInfo(REPLAY_SESSION_ID, info, Date.now());
      });
    }
    for (const { certificate, ...signature } of this.signed.slice(since.signed)) {
      const check = this.measure('self-check', () => verifySignature(signature, certificate));
      if (!check.ok) throw new Error(`replayed self-check failed: ${check.reason}`);
    }
  }

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

  snapshot(): MeterSnapshot {
    const phases: Record<string, PhaseTotals> = {};
    for (const [phase, count] of this.count) {
      phases[phase] = {
        syncCpuMs: this.syncCpuMs.get(phase) ?? 0,
        spanCpuMs: this.spanCpuMs.get(phase) ?? 0,
        wallMs: this.wallMs.get(phase) ?? 0,
        count,
      };
    }
    return { phases, signed: this.signed.length, payments: this.paymentsRead.length };
  }

  /** CPU ms of `phase` per call since `before` (a snapshot). */
  static perCall(
    after: MeterSnapshot,
    before: MeterSnapshot,
    phase: UploadPhase,
  ): { cpuMs: number; spanCpuMs: number; wallMs: number; count: number } {
    const zero: PhaseTotals = { syncCpuMs: 0, spanCpuMs: 0, wallMs: 0, count: 0 };
    const a = after.phases[phase] ?? zero;
    const b = before.phases[phase] ?? zero;
    const count = a.count - b.count;
    const per = (k: keyof PhaseTotals) => (count ? (a[k] - b[k]) / count : 0);
    return { cpuMs: per('syncCpuMs'), spanCpuMs: per('spanCpuMs'), wallMs: per('wallMs'), count };
  }

  /**
   * `port` with the methods named in `phases` timed; its other methods pass through, and an
   * optional method it lacks stays absent (the use case asks whether the store has it).
   */
  private timed<T extends object>(port: T, phases: { [K in keyof T]?: UploadPhase }): T {
    const out: Record<PropertyKey, unknown> = {};
    for (let o: object | null = port; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const name of Object.getOwnPropertyNames(o)) {
        const method = (port as Record<string, unknown>)[name];
        if (name === 'constructor' || name in out || typeof method !== 'function') continue;
        const phase = phases[name as keyof T];
        const call = (...args: unknown[]) => method.apply(port, args);
        out[name] = phase ? (...args: unknown[]) => this.measure(phase, () => call(...args)) : call;
      }
    }
    return out as T;
  }

  private add(map: Map<UploadPhase, number>, phase: UploadPhase, x: number): void {
    map.set(phase, (map.get(phase) ?? 0) + x);
  }
}

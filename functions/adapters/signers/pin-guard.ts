import { SignerSuspectPinError } from '#core/errors.ts';
import { type Clock, systemClock } from '#core/ports.ts';

/**
 * The circuit breaker that keeps a card from locking. After a failure that could be a wrong PIN
 * (chinaport's "加签失败", a card error nobody can classify), the signer stops presenting the card
 * and every signature is refused as SIGNER_SUSPECT_PIN (retryable: sessions wait in `retrying`).
 * It lets one request through again (a probe) when an operator clears it (`ceb-grab signer-reset`,
 * which stamps the shared hold) or, once per hold, when the cool-down ends; a probe that fails
 * again holds until an operator acts. So a wrong PIN is presented at most twice per operator action
 * by one guard (the failure, and one probe after the cool-down), never in a loop.
 *
 * One guard per signer (per proxy URL). In a Lambda worker its state is per container: the proxy
 * serialises the card, a held container reads the shared hold only while it holds (no cost on the
 * normal path), and a probe is claimed in the shared hold, so one container probes per clear. A
 * container that has not failed yet does not read the shared hold, so with N containers signing at
 * the moment the PIN goes wrong, up to N presentations can happen before each holds.
 */
export interface PinHold {
  /** when it last held (ms); a clear older than this does not release it */
  readonly heldAt: number;
  readonly reason: string;
  /** the operator cleared it at (ms), asking for one probe */
  readonly clearedAt?: number | undefined;
  /** a probe was taken for this hold (after its cool-down or a clear) */
  readonly probedAt?: number | undefined;
}

/** Where holds are shared between the containers of a worker (DynamoDB), or kept in memory. */
export interface PinHoldStore {
  get(signerId: string): Promise<PinHold | undefined>;
  /** Hold (again); `afterProbe`: a probe failed, so no cool-down probe follows, only a clear. */
  hold(signerId: string, heldAt: number, reason: string, afterProbe: boolean): Promise<void>;
  /** Take the one probe of a hold (none taken since it began or was cleared); false when taken. */
  claimProbe(signerId: string, hold: PinHold, at: number): Promise<boolean>;
  /** The probe signed: nothing is held any more. */
  release(signerId: string): Promise<void>;
  /** The operator fixed the PIN: the next signature may present it once. */
  clear(signerId: string, at: number): Promise<void>;
}

export interface PinGuardOptions {
  /** which card this guards, e.g. the proxy URL */
  readonly signerId: string;
  /** how long a hold lasts before one probe is let through; default 15 minutes */
  readonly coolDownMs?: number;
  /** how often a holding guard reads the shared hold for a clear; default 5 s */
  readonly recheckMs?: number;
  readonly store?: PinHoldStore;
  readonly clock?: Clock;
  /** a hold began (the SignerSuspectPin metric and an error log) */
  readonly onHold?: (reason: string) => void;
}

export const PIN_GUARD_DEFAULTS = { coolDownMs: 15 * 60_000, recheckMs: 5_000 } as const;

export class PinGuard {
  private readonly store: PinHoldStore;
  private readonly clock: Clock;
  private readonly coolDownMs: number;
  private readonly recheckMs: number;
  /** what this container knows: undefined while it signs freely */
  private held: PinHold | undefined;
  private checkedAt = 0;
  private probing = false;

  constructor(private readonly options: PinGuardOptions) {
    this.store = options.store ?? memoryPinHoldStore();
    this.clock = options.clock ?? systemClock;
    this.coolDownMs = options.coolDownMs ?? PIN_GUARD_DEFAULTS.coolDownMs;
    this.recheckMs = options.recheckMs ?? PIN_GUARD_DEFAULTS.recheckMs;
  }

  /**
   * Run `present` (a request that presents the card's PIN) unless the card is held; call it where
   * the request is about to be sent, after any queue, so queued requests see a hold that began
   * while they waited.
   */
  async run<T>(present: () => Promise<T>): Promise<T> {
    const probe = await this.admit();
    try {
      const result = await present();
      if (probe) await this.releaseAfterProbe();
      return result;
    } catch (e) {
      if (e instanceof SignerSuspectPinError) await this.hold(e.message);
      throw e;
    } finally {
      if (probe) this.probing = false;
    }
  }

  /** Resolves true when this request is a probe; throws while the card is held. */
  private async admit(): Promise<boolean> {
    if (!this.held) return false;
    const now = this.clock.now();
    if (now - this.checkedAt >= this.recheckMs) {
      this.checkedAt = now;
      this.held = await this.store.get(this.options.signerId);
      if (!this.held) return false; // another container's probe signed
    }
    const hold = this.held;
    const cleared = hold.clearedAt !== undefined && hold.clearedAt >= hold.heldAt;
    const cooled = hold.probedAt === undefined && now >= hold.heldAt + this.coolDownMs;
    if (
      !this.probing &&
      (cleared || cooled) &&
      (await this.store.claimProbe(this.options.signerId, hold, now))
    ) {
      this.probing = true;
      return true;
    }
    throw new SignerSuspectPinError(this.heldMessage(hold, now));
  }

  private async hold(reason: string): Promise<void> {
    const now = this.clock.now();
    const again = this.held !== undefined;
    await this.store.hold(this.options.signerId, now, reason, again);
    this.held = { heldAt: now, reason, ...(again ? { probedAt: now } : {}) };
    this.checkedAt = now;
    this.options.onHold?.(reason);
  }

  private async releaseAfterProbe(): Promise<void> {
    this.held = undefined;
    await this.store.release(this.options.signerId);
  }

  private heldMessage(hold: PinHold, now: number): string {
    const next =
      hold.probedAt === undefined
        ? `tried once more in ${Math.ceil((hold.heldAt + this.coolDownMs - now) / 1000)} s, or when an operator runs \`ceb-grab signer-reset\``
        : 'held until an operator checks the PIN and runs `ceb-grab signer-reset`';
    return `the card is not presented its PIN since ${new Date(hold.heldAt).toISOString()} (${hold.reason.replace(`${SignerSuspectPinError.reason}: `, '')}); ${next}`;
  }
}

/** Holds in this process only (tests, local runs with one worker). */
export function memoryPinHoldStore(): PinHoldStore & { readonly holds: Map<string, PinHold> } {
  const holds = new Map<string, PinHold>();
  return {
    holds,
    get: async (id) => holds.get(id),
    hold: async (id, heldAt, reason, afterProbe) => {
      holds.set(id, { heldAt, reason, ...(afterProbe ? { probedAt: heldAt } : {}) });
    },
    claimProbe: async (id, hold, at) => {
      const now = holds.get(id);
      if (!now || now.heldAt !== hold.heldAt || now.probedAt !== undefined) return false;
      holds.set(id, { ...now, probedAt: at });
      return true;
    },
    release: async (id) => {
      holds.delete(id);
    },
    clear: async (id, at) => {
      const now = holds.get(id);
      if (now) holds.set(id, { heldAt: now.heldAt, reason: now.reason, clearedAt: at });
    },
  };
}

import { parseCallbackBody } from '../clearance/callback-body.ts';
import { deriveClearance } from '../clearance/derive-state.ts';
import { CallbackRejectedError, CallbackUnauthorizedError } from '../clearance/errors.ts';
import { type ClearanceEvent, meaningOf, type RecordedEvent } from '../clearance/event.ts';
import { checkPartnerScope } from '../clearance/partner-scope.ts';
import type { ClearanceStore, PartnerSecrets } from '../clearance/ports.ts';
import type { ClearanceState } from '../clearance/return-status.ts';
import { readCredentials, verifyCallback } from '../clearance/signature.ts';
import type { Clock } from '../ports.ts';

export interface ClearanceCallback {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly contentType: string | undefined;
  /** the body's bytes exactly as received: they are what the partner signed */
  readonly body: Buffer;
}

export interface RecordClearanceDeps {
  readonly store: ClearanceStore;
  readonly secrets: PartnerSecrets;
  readonly clock: Clock;
  readonly settings: {
    readonly maxBodyBytes: number;
    /** how far a signature's timestamp may be from our clock, either way */
    readonly signatureWindowMs: number;
  };
}

export interface RecordedOutcome {
  readonly orderNo: string;
  readonly dedupeKey: string;
  readonly code: string;
  readonly state: ClearanceState;
  /** `duplicate`: the same event was recorded before; nothing changed */
  readonly outcome: 'appended' | 'duplicate';
}

export interface StateChange {
  readonly orderNo: string;
  readonly from: ClearanceState | 'none';
  readonly to: ClearanceState | 'none';
}

export interface RecordClearanceResult {
  readonly partner: string;
  readonly events: readonly RecordedOutcome[];
  /** orders whose derived clearance state this callback changed */
  readonly changes: readonly StateChange[];
}

/**
 * Take one clearance callback: prove who sent it (HMAC, fresh) before reading the body, read it, check
 * the partner may report its events, and only then mark the signature used (first time only) and
 * append the events to their orders' timelines, once each per partner. Nothing at all is stored for a
 * refused callback. Orders we never saw (no grab, no payment) are recorded all the same: clearance runs on
 * its own schedule and the payment may be loaded later.
 */
export async function recordClearance(
  callback: ClearanceCallback,
  deps: RecordClearanceDeps,
): Promise<RecordClearanceResult> {
  const { store, secrets, clock, settings } = deps;
  // Before the HMAC: never hash (or store) an oversized body.
  if (callback.body.length > settings.maxBodyBytes) {
    throw new CallbackRejectedError(
      'BODY_TOO_LARGE',
      `the body is larger than ${settings.maxBodyBytes} bytes`,
    );
  }
  const credentials = readCredentials(callback.headers);
  const receivedAt = clock.now();
  const config = await secrets.partnerFor(credentials.partner);
  // A partner set up for TOP signatures cannot use ours: it is checked as an unknown one.
  const secret = config?.scheme === 'hmac' ? config.secret : undefined;
  try {
    verifyCallback(credentials, secret, callback.body, receivedAt, settings.signatureWindowMs);
  } catch (e) {
    if (config && secret === undefined && e instanceof CallbackUnauthorizedError) {
      throw new CallbackUnauthorizedError('wrong-scheme', e.message, credentials.partner);
    }
    throw e;
  }
  const { partner, signature, timestamp } = credentials;
  const events = parseCallbackBody(callback.contentType, callback.body, receivedAt);
  // (verifyCallback refused an unknown partner: config is there)
  if (config) checkPartnerScope(partner, config, events);
  // Kept until the timestamp leaves the window; after that the staleness check refuses a replay.
  if (!(await store.claimSignature(partner, signature, timestamp + settings.signatureWindowMs))) {
    throw new CallbackUnauthorizedError(
      'replayed',
      'this signature was used before: sign each request anew',
      partner,
    );
  }
  return appendEvents(partner, signature, events, receivedAt, store);
}

/** Append the events of an authenticated, readable callback; on failure, let the partner send it again. */
async function appendEvents(
  partner: string,
  signature: string,
  events: readonly ClearanceEvent[],
  receivedAt: number,
  store: ClearanceStore,
): Promise<RecordClearanceResult> {
  try {
    const outcomes: RecordedOutcome[] = [];
    const appended = new Set<string>();
    for (const event of events) {
      const recorded: RecordedEvent = { ...event, partner, receivedAt };
      const outcome = await store.append(recorded);
      if (outcome === 'appended') appended.add(event.dedupeKey);
      const { code, state } = meaningOf(event);
      outcomes.push({ orderNo: event.orderNo, dedupeKey: event.dedupeKey, code, state, outcome });
    }
    const changes: StateChange[] = [];
    const changedOrders = new Set(outcomes.filter((o) => o.outcome === 'appended').map((o) => o.orderNo));
    for (const orderNo of changedOrders) {
      const timeline = await store.timeline(orderNo);
      const from = deriveClearance(timeline.filter((e) => !appended.has(e.dedupeKey))).state;
      const to = deriveClearance(timeline).state;
      if (from !== to) changes.push({ orderNo, from, to });
    }
    return { partner, events: outcomes, changes };
  } catch (e) {
    // Our storage failed: let the partner send the very same request again.
    await store.releaseSignature(partner, signature).catch(() => undefined);
    throw e;
  }
}

import { parseCallbackBody } from '../clearance/callback-body.ts';
import { deriveClearance } from '../clearance/derive-state.ts';
import { CallbackRejectedError, CallbackUnauthorizedError } from '../clearance/errors.ts';
import { type ClearanceEvent, meaningOf, type RecordedEvent } from '../clearance/event.ts';
import { checkPartnerScope } from '../clearance/partner-scope.ts';
import type { CallbackPartner, CallbackScheme, ClearanceStore, PartnerSecrets } from '../clearance/ports.ts';
import type { ClearanceState } from '../clearance/return-status.ts';
import { readCredentials, verifyCallback } from '../clearance/signature.ts';
import { isTopRequest, topNoticeEvents } from '../clearance/top-notice.ts';
import { readTopCredentials, verifyTop } from '../clearance/top-signature.ts';
import type { Clock } from '../ports.ts';

export interface ClearanceCallback {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly contentType: string | undefined;
  /** the body's bytes exactly as received: they are what an HMAC partner signed */
  readonly body: Buffer;
  /** query-string and form parameters, merged (the edge reads urlencoded and multipart forms): TOP's */
  readonly params?: Readonly<Record<string, string>>;
}

export interface RecordClearanceDeps {
  readonly store: ClearanceStore;
  readonly secrets: PartnerSecrets;
  readonly clock: Clock;
  readonly settings: {
    readonly maxBodyBytes: number;
    /** how far a signature's timestamp may be from our clock, either way */
    readonly signatureWindowMs: number;
    /** the same for a TOP-signed notice's Beijing-time timestamp */
    readonly topTimestampWindowMs: number;
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
  /** how the partner proved itself: our HMAC headers or TOP's signed parameters */
  readonly scheme: CallbackScheme;
  readonly events: readonly RecordedOutcome[];
  /** orders whose derived clearance state this callback changed */
  readonly changes: readonly StateChange[];
}

/**
 * Take one clearance callback: prove who sent it (our HMAC headers, or TOP's signed parameters; fresh)
 * before reading the body, read it, check the partner may report its events, and only then mark the
 * signature used (first time only) and append the events to their orders' timelines, once each per
 * partner. Nothing at all is stored for a refused callback. Orders we never saw (no grab, no payment)
 * are recorded all the same: clearance runs on its own schedule and the payment may be loaded later.
 */
export async function recordClearance(
  callback: ClearanceCallback,
  deps: RecordClearanceDeps,
): Promise<RecordClearanceResult> {
  const { store, settings } = deps;
  // Before any signature check: never hash (or store) an oversized body.
  if (callback.body.length > settings.maxBodyBytes) {
    throw new CallbackRejectedError(
      'BODY_TOO_LARGE',
      `the body is larger than ${settings.maxBodyBytes} bytes`,
    );
  }
  const receivedAt = deps.clock.now();
  const proven = isTopRequest(callback.headers, callback.params)
    ? await proveTop(callback.params ?? {}, deps, receivedAt)
    : await proveHmac(callback, deps, receivedAt);
  const { partner, scheme, config, signature, signedAt, windowMs } = proven;
  const events =
    scheme === 'top'
      ? topNoticeEvents(callback.params ?? {}, receivedAt)
      : parseCallbackBody(callback.contentType, callback.body, receivedAt);
  checkPartnerScope(partner, config, events);
  // Kept until the timestamp leaves the window; after that the staleness check refuses a replay.
  if (!(await store.claimSignature(partner, signature, signedAt + windowMs))) {
    throw new CallbackUnauthorizedError(
      'replayed',
      'this signature was used before: sign each request anew',
      partner,
    );
  }
  return { ...(await appendEvents(partner, signature, events, receivedAt, store)), scheme };
}

interface Proven {
  readonly partner: string;
  readonly scheme: CallbackScheme;
  readonly config: CallbackPartner;
  /** what is remembered against replays */
  readonly signature: string;
  readonly signedAt: number;
  readonly windowMs: number;
}

/** A partner configured for the other scheme is checked as an unknown one (same cost, same answer). */
function secretFor(config: CallbackPartner | undefined, scheme: CallbackScheme): string | undefined {
  return config?.scheme === scheme ? config.secret : undefined;
}

function withSchemeReason(e: unknown, config: CallbackPartner | undefined, scheme: CallbackScheme): unknown {
  if (config && config.scheme !== scheme && e instanceof CallbackUnauthorizedError) {
    return new CallbackUnauthorizedError('wrong-scheme', e.message, e.partner);
  }
  return e;
}

async function proveHmac(
  callback: ClearanceCallback,
  deps: RecordClearanceDeps,
  now: number,
): Promise<Proven> {
  const credentials = readCredentials(callback.headers);
  const config = await deps.secrets.partnerFor(credentials.partner);
  const windowMs = deps.settings.signatureWindowMs;
  try {
    verifyCallback(credentials, secretFor(config, 'hmac'), callback.body, now, windowMs);
  } catch (e) {
    throw withSchemeReason(e, config, 'hmac');
  }
  // verifyCallback refused an unknown partner and one of the other scheme.
  const { partner, signature, timestamp } = credentials;
  return {
    partner,
    scheme: 'hmac',
    config: config as CallbackPartner,
    signature,
    signedAt: timestamp,
    windowMs,
  };
}

async function proveTop(
  params: Readonly<Record<string, string>>,
  deps: RecordClearanceDeps,
  now: number,
): Promise<Proven> {
  const credentials = readTopCredentials(params);
  const config = await deps.secrets.partnerFor(credentials.partner);
  const windowMs = deps.settings.topTimestampWindowMs;
  try {
    verifyTop(params, credentials, secretFor(config, 'top'), now, windowMs);
  } catch (e) {
    throw withSchemeReason(e, config, 'top');
  }
  const { partner, sign, timestamp } = credentials;
  return {
    partner,
    scheme: 'top',
    config: config as CallbackPartner,
    signature: sign,
    signedAt: timestamp,
    windowMs,
  };
}

/** Append the events of an authenticated, readable callback; on failure, let the partner send it again. */
async function appendEvents(
  partner: string,
  signature: string,
  events: readonly ClearanceEvent[],
  receivedAt: number,
  store: ClearanceStore,
): Promise<Omit<RecordClearanceResult, 'scheme'>> {
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

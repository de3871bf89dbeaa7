import { type CallbackMessage, parseCallbackMessage } from '../clearance/callback-body.ts';
import { deriveClearance } from '../clearance/derive-state.ts';
import { CallbackRejectedError, CallbackUnauthorizedError } from '../clearance/errors.ts';
import { meaningOf, type RecordedEvent } from '../clearance/event.ts';
import type { LinkSource } from '../clearance/inventory-link.ts';
import { checkPartnerScope } from '../clearance/partner-scope.ts';
import type {
  CallbackPartner,
  CallbackScheme,
  ClearanceStore,
  PartnerSecrets,
  PaymentRetention,
} from '../clearance/ports.ts';
import type { ClearanceState } from '../clearance/return-status.ts';
import { readCredentials, verifyCallback } from '../clearance/signature.ts';
import { isTopRequest, topNoticeEvents } from '../clearance/top-notice.ts';
import { readTopCredentials, verifyTop } from '../clearance/top-signature.ts';
import type { Clock } from '../ports.ts';
import { orderExpiresAt } from '../retention.ts';

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
  /**
   * The orders' payments, so an order's timeline expires with its payment (core/retention.ts); without
   * it (or for an order whose payment is unknown) events are kept from their receipt.
   */
  readonly payments?: PaymentRetention;
  readonly settings: {
    /** days an order's clearance timeline is kept after its payment's tradingTime (RETENTION_DAYS) */
    readonly retentionDays: number;
    readonly maxBodyBytes: number;
    /** how far a signature's timestamp may be from our clock, either way */
    readonly signatureWindowMs: number;
    /** the same for a TOP-signed notice's Beijing-time timestamp */
    readonly topTimestampWindowMs: number;
  };
}

export interface RecordedOutcome {
  /** absent for an inventory receipt whose copNo is not linked to an order yet */
  readonly orderNo?: string;
  readonly copNo?: string;
  readonly dedupeKey: string;
  readonly code: string;
  readonly state: ClearanceState;
  /** `duplicate`: the same event was recorded before; nothing changed */
  readonly outcome: 'appended' | 'duplicate';
}

export interface LinkResult {
  readonly copNo: string;
  /** the order the copNo is linked to (for `already`, the first link's, which stands) */
  readonly orderNo: string;
  readonly source: LinkSource;
  readonly outcome: 'linked' | 'already';
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
  readonly links: readonly LinkResult[];
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
  const message: CallbackMessage =
    scheme === 'top'
      ? { events: topNoticeEvents(callback.params ?? {}, receivedAt), links: [] }
      : parseCallbackMessage(callback.contentType, callback.body, receivedAt);
  checkPartnerScope(partner, config, message.events, message.links);
  // Kept until the timestamp leaves the window; after that the staleness check refuses a replay.
  if (!(await store.claimSignature(partner, signature, signedAt + windowMs))) {
    throw new CallbackUnauthorizedError(
      'replayed',
      'this signature was used before: sign each request anew',
      partner,
    );
  }
  const expiry = orderExpiry(deps, receivedAt);
  return { ...(await applyMessage(partner, signature, message, receivedAt, store, expiry)), scheme };
}

/** When what is recorded for an order expires: its payment's expiry when known, else receivedAt + the retention. */
type OrderExpiry = (orderNo: string | undefined) => Promise<number>;

function orderExpiry(deps: RecordClearanceDeps, receivedAt: number): OrderExpiry {
  const days = deps.settings.retentionDays;
  const payments = new Map<string, Promise<number>>();
  const expiryOf = async (orderNo: string) => {
    const payment = await deps.payments?.paymentOf(orderNo);
    // the expiry its payment was stored with; one stored before payments carried it, from its tradingTime
    if (payment?.expiresAt !== undefined) return payment.expiresAt;
    try {
      return orderExpiresAt(payment, receivedAt, days);
    } catch {
      // a payment item another writer stored with a broken tradingTime: never lose the receipt over it
      return orderExpiresAt(undefined, receivedAt, days);
    }
  };
  return (orderNo) => {
    if (orderNo === undefined) return Promise.resolve(orderExpiresAt(undefined, receivedAt, days));
    const found = payments.get(orderNo) ?? expiryOf(orderNo);
    payments.set(orderNo, found);
    return found;
  };
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

/** Record the links and events of an authenticated, readable callback; on failure, let the partner send it again. */
async function applyMessage(
  partner: string,
  signature: string,
  { events, links }: CallbackMessage,
  receivedAt: number,
  store: ClearanceStore,
  expiry: OrderExpiry,
): Promise<Omit<RecordClearanceResult, 'scheme'>> {
  try {
    const linked: LinkResult[] = [];
    for (const link of links) {
      const { outcome, orderNo } = await store.link(
        { ...link, partner, linkedAt: receivedAt },
        await expiry(link.orderNo),
      );
      linked.push({ copNo: link.copNo, orderNo, source: link.source, outcome });
    }
    const outcomes: RecordedOutcome[] = [];
    // This callback's own events (by partner and key), and inventories it newly linked: what was not there before.
    const appended = new Set<string>();
    for (const event of events) {
      const copNo = event.source === 'CEB622' ? event.refs.copNo : undefined;
      const orderNo = event.orderNo ?? (copNo === undefined ? undefined : await store.orderOf(copNo));
      const outcome = await store.append({ ...event, partner, receivedAt }, await expiry(orderNo));
      if (outcome === 'appended') appended.add(event.dedupeKey);
      const { code, state } = meaningOf(event);
      outcomes.push({
        ...(orderNo === undefined ? {} : { orderNo }),
        ...(copNo === undefined ? {} : { copNo }),
        dedupeKey: event.dedupeKey,
        code,
        state,
        outcome,
      });
    }
    const newlyLinked = new Set(linked.filter((l) => l.outcome === 'linked').map((l) => l.copNo));
    const isNew = (e: RecordedEvent) =>
      (e.partner === partner && appended.has(e.dedupeKey)) ||
      (e.source === 'CEB622' && e.refs.copNo !== undefined && newlyLinked.has(e.refs.copNo));
    const changedOrders = new Set([
      ...outcomes.flatMap((o) => (o.outcome === 'appended' && o.orderNo !== undefined ? [o.orderNo] : [])),
      ...linked.flatMap((l) => (l.outcome === 'linked' ? [l.orderNo] : [])),
    ]);
    const changes: StateChange[] = [];
    for (const orderNo of changedOrders) {
      const timeline = await store.timeline(orderNo);
      const from = deriveClearance(timeline.filter((e) => !isNew(e))).state;
      const to = deriveClearance(timeline).state;
      if (from !== to) changes.push({ orderNo, from, to });
    }
    return { partner, events: outcomes, links: linked, changes };
  } catch (e) {
    // Our storage failed: let the partner send the very same request again.
    await store.releaseSignature(partner, signature).catch(() => undefined);
    throw e;
  }
}

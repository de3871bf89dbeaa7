import type { RecordedEvent } from './event.ts';
import type { InventoryLink } from './inventory-link.ts';

/** Ports of the clearance use cases, owned by the core; adapters implement them. */

export interface ClearanceStore {
  /**
   * Add an event to its order's timeline, unless the same partner recorded an event with its dedupeKey
   * already: the key is the partner's, so one partner's key never suppresses another's event. It is
   * kept until `expiresAt` (epoch seconds: the order's retention, core/retention.ts).
   */
  append(event: RecordedEvent, expiresAt: number): Promise<'appended' | 'duplicate'>;
  /** Every event of the order, its linked inventories' receipts included, in no particular order. */
  timeline(orderNo: string): Promise<RecordedEvent[]>;
  /** Link an inventory (copNo) to its order, kept until `expiresAt` (epoch seconds); the first link of a copNo stands. */
  link(
    link: InventoryLink & { readonly partner: string; readonly linkedAt: number },
    expiresAt: number,
  ): Promise<LinkOutcome>;
  /** The order an inventory is linked to, if any, by its copNo (or customs' invtNo, once a receipt gave one). */
  orderOf(copNoOrInvtNo: string): Promise<string | undefined>;
  /**
   * Remember a callback's signature until `expiresAt` (ms); false when it was seen before, i.e. the
   * request is a replay. A conditional write, so two concurrent copies cannot both get through.
   */
  claimSignature(partner: string, signature: string, expiresAt: number): Promise<boolean>;
  /** Forget a claimed signature, so a request we failed to record can be sent again as it was. */
  releaseSignature(partner: string, signature: string): Promise<void>;
}

/** An order's stored payment, as far as its retention needs it (core/retention.ts); undefined when none is stored. */
export interface PaymentRetention {
  paymentOf(
    orderNo: string,
  ): Promise<{ readonly expiresAt?: number; readonly tradingTime: string } | undefined>;
}

/** `already`: the copNo was linked before, to `orderNo` (which may differ from the one asked). */
export interface LinkOutcome {
  readonly outcome: 'linked' | 'already';
  readonly orderNo: string;
}

/** Inventory receipts still waiting for the link to their order (an operator's question). */
export interface UnlinkedReceipts {
  unlinked(): Promise<{ copNo: string; events: RecordedEvent[] }[]>;
}

/**
 * How a partner proves its requests: `hmac`, our own headers (signature.ts); `top`, the TOP open
 * platform's signed parameters (top-signature.ts). A partner is configured for one, and only that one.
 */
export const CALLBACK_SCHEMES = ['hmac', 'top'] as const;
export type CallbackScheme = (typeof CALLBACK_SCHEMES)[number];

export interface CallbackPartner {
  readonly secret: string;
  readonly scheme: CallbackScheme;
  /** When given, the partner may only report events of these e-commerce platforms (ebpCode). */
  readonly ebpCodes?: readonly string[];
}

/** The callback partners' configuration. Undefined for a partner we do not know. */
export interface PartnerSecrets {
  partnerFor(partner: string): Promise<CallbackPartner | undefined>;
}

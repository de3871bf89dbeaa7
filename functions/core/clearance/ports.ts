import type { RecordedEvent } from './event.ts';

/** Ports of the clearance use cases, owned by the core; adapters implement them. */

export interface ClearanceStore {
  /** Add an event to its order's timeline, unless an event with its dedupeKey is there already. */
  append(event: RecordedEvent): Promise<'appended' | 'duplicate'>;
  /** Every event of the order, in no particular order. */
  timeline(orderNo: string): Promise<RecordedEvent[]>;
  /**
   * Remember a callback's signature until `expiresAt` (ms); false when it was seen before, i.e. the
   * request is a replay. A conditional write, so two concurrent copies cannot both get through.
   */
  claimSignature(partner: string, signature: string, expiresAt: number): Promise<boolean>;
  /** Forget a claimed signature, so a request we failed to record can be sent again as it was. */
  releaseSignature(partner: string, signature: string): Promise<void>;
}

/** Each partner's shared HMAC secret. Undefined for a partner we do not know. */
export interface PartnerSecrets {
  secretFor(partner: string): Promise<string | undefined>;
}

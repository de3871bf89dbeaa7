import { CallbackForbiddenError } from './errors.ts';
import type { ClearanceEvent } from './event.ts';
import type { InventoryLink } from './inventory-link.ts';
import type { CallbackPartner } from './ports.ts';

/**
 * A partner limited to some ebpCodes (the partner secret's `ebpCodes`) may only report events and
 * inventory links that name one of them: one of another platform, or naming none, refuses the whole
 * callback, so one partner cannot write another platform's orders.
 */
export function checkPartnerScope(
  partnerId: string,
  partner: CallbackPartner,
  events: readonly ClearanceEvent[],
  links: readonly InventoryLink[] = [],
) {
  const allowed = partner.ebpCodes;
  if (allowed === undefined) return;
  const named = [
    ...events.map((e) => ({ what: `order ${e.orderNo ?? e.refs.copNo}`, ebpCode: e.refs.ebpCode })),
    ...links.map((l) => ({ what: `inventory ${l.copNo}`, ebpCode: l.ebpCode })),
  ];
  for (const { what, ebpCode } of named) {
    if (ebpCode === undefined) {
      throw new CallbackForbiddenError(
        `${what}: it names no ebpCode, and this partner may only report ebpCodes ${allowed.join(', ')}`,
        partnerId,
      );
    }
    if (!allowed.includes(ebpCode)) {
      throw new CallbackForbiddenError(
        `${what}: ebpCode ${ebpCode} is not one this partner may report (${allowed.join(', ')})`,
        partnerId,
      );
    }
  }
}

import { CallbackForbiddenError } from './errors.ts';
import type { ClearanceEvent } from './event.ts';
import type { CallbackPartner } from './ports.ts';

/**
 * A partner limited to some ebpCodes (the partner secret's `ebpCodes`) may only report events that
 * name one of them: an event of another platform, or one naming none, is refused whole, so one
 * partner cannot write another platform's orders.
 */
export function checkPartnerScope(
  partnerId: string,
  partner: CallbackPartner,
  events: readonly ClearanceEvent[],
) {
  const allowed = partner.ebpCodes;
  if (allowed === undefined) return;
  for (const e of events) {
    const ebpCode = e.refs.ebpCode;
    if (ebpCode === undefined) {
      throw new CallbackForbiddenError(
        `order ${e.orderNo}: the event names no ebpCode, and this partner may only report ebpCodes ${allowed.join(', ')}`,
        partnerId,
      );
    }
    if (!allowed.includes(ebpCode)) {
      throw new CallbackForbiddenError(
        `order ${e.orderNo}: ebpCode ${ebpCode} is not one this partner may report (${allowed.join(', ')})`,
        partnerId,
      );
    }
  }
}

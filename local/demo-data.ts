import type { Payment } from '#core/protocol/payment.ts';
import { loadPayments } from '#core/use-cases/load-payments.ts';
import { operatorRoot } from '#functions/composition/operator.ts';
import { sampleGrabOrderNos, samplePayments, samplePaymentsJsonl } from './sample-payments.ts';

/** Load the sample payments into the running local stack through the same use case as `ceb-grab load`. */
export async function loadSamplePayments() {
  const deps = operatorRoot().load();
  const { sessions } = deps;
  const result = await loadPayments(samplePaymentsJsonl().split('\n'), deps);
  if (result.rejected > 0) throw new Error(`sample payments rejected: ${JSON.stringify(result.rejections)}`);
  const payments: Payment[] = samplePayments();
  const multi = payments.filter((p) => p.orders.length > 1).length;
  return {
    payments,
    orderNos: sampleGrabOrderNos(),
    sessions,
    summary: `${payments.length - multi} single-order, ${multi} multi-order`,
  };
}

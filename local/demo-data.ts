import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore, dynamoClient } from '#adapters/dynamodb/session-store.ts';
import { SqsGrabQueue, sqsClient } from '#adapters/sqs/grab-queue.ts';
import { systemClock } from '#core/ports.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { loadPayments } from '#core/use-cases/load-payments.ts';
import { paymentsConfig } from '#functions/config.ts';
import { sampleGrabOrderNos, samplePayments, samplePaymentsJsonl } from './sample-payments.ts';

/** Load the sample payments into the running local stack through the same use case as `ceb-grab load`. */
export async function loadSamplePayments() {
  const config = paymentsConfig();
  const ddb = dynamoClient();
  const sessions = new DynamoSessionStore(ddb, config.SESSIONS_TABLE);
  const result = await loadPayments(samplePaymentsJsonl().split('\n'), {
    payments: new DynamoPaymentStore(ddb, config.PAYMENTS_TABLE),
    sessions,
    queue: new SqsGrabQueue(sqsClient(), config.GRAB_QUEUE_URL),
    clock: systemClock,
  });
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

import { dynamoClient } from '#adapters/aws-clients.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import type { StorePaymentsDeps } from '#core/use-cases/load-payments.ts';
import { paymentIntakeConfig } from '#functions/config.ts';

/**
 * payment-intake's composition root: it only stores payments. The Payments table's stream re-queues
 * the grabs that waited for them, so this function touches no session and no queue.
 */
export function paymentIntakeDeps(env = process.env): StorePaymentsDeps {
  const config = paymentIntakeConfig(env);
  return { payments: new DynamoPaymentStore(dynamoClient(), config.PAYMENTS_TABLE) };
}

import { dynamoClient } from '#adapters/aws-clients.ts';
import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { systemClock } from '#core/ports.ts';
import type { StorePaymentsDeps } from '#core/use-cases/load-payments.ts';
import { paymentIntakeConfig } from '#functions/config.ts';

/**
 * payment-intake's composition root: it stores payments and links each order's copNo to the order
 * (so customs' inventory receipts join it), as `ceb-grab load` does. The Payments table's stream
 * re-queues the grabs that waited for them, so this function touches no session and no queue.
 */
export function paymentIntakeDeps(env = process.env): StorePaymentsDeps {
  const config = paymentIntakeConfig(env);
  const client = dynamoClient();
  const retentionDays = config.RETENTION_DAYS;
  return {
    payments: new DynamoPaymentStore(client, config.PAYMENTS_TABLE, { retentionDays }),
    links: { store: new DynamoClearanceStore(client, config.CLEARANCE_TABLE), retentionDays },
    clock: systemClock,
  };
}

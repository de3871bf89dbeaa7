import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore, dynamoClient } from '#adapters/dynamodb/session-store.ts';
import type { OrderStatusDeps } from '#core/use-cases/order-status.ts';
import { orderStatusConfig } from './config.ts';

/** The composition root of order-status: config -> adapters, once per container. */
export function orderStatusDeps(env = process.env): OrderStatusDeps {
  const config = orderStatusConfig(env);
  const ddb = dynamoClient();
  return {
    sessions: new DynamoSessionStore(ddb, config.SESSIONS_TABLE),
    payments: new DynamoPaymentStore(ddb, config.PAYMENTS_TABLE),
    clearance: new DynamoClearanceStore(ddb, config.CLEARANCE_TABLE),
  };
}

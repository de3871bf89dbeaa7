import { type AwsClientOptions, dynamoClient } from '#adapters/aws-clients.ts';
import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import type { OrderStatusDeps } from '#core/use-cases/order-status.ts';
import { orderStatusConfig } from '#functions/config.ts';

/**
 * order-status's composition root: config -> adapters, once per container. `ceb-grab status` asks it
 * too (through the operator root), with the target stack's endpoint.
 */
export function orderStatusDeps(env = process.env, aws: AwsClientOptions = {}): OrderStatusDeps {
  const config = orderStatusConfig(env);
  const ddb = dynamoClient(aws);
  return {
    sessions: new DynamoSessionStore(ddb, config.SESSIONS_TABLE),
    payments: new DynamoPaymentStore(ddb, config.PAYMENTS_TABLE),
    clearance: new DynamoClearanceStore(ddb, config.CLEARANCE_TABLE),
  };
}

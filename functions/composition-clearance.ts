import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore, dynamoClient } from '#adapters/dynamodb/session-store.ts';
import { partnerSecrets } from '#adapters/partner-secrets.ts';
import { systemClock } from '#core/ports.ts';
import type { OrderStatusDeps } from '#core/use-cases/order-status.ts';
import type { RecordClearanceDeps } from '#core/use-cases/record-clearance.ts';
import { clearanceCallbackConfig, orderStatusConfig } from './config-clearance.ts';

/** The composition root of the clearance functions: config -> adapters, once per container. */

export function clearanceCallbackDeps(env = process.env): RecordClearanceDeps {
  const config = clearanceCallbackConfig(env);
  return {
    store: new DynamoClearanceStore(dynamoClient(), config.CLEARANCE_TABLE),
    secrets: partnerSecrets(config.partnerSecrets),
    clock: systemClock,
    settings: {
      maxBodyBytes: config.CALLBACK_MAX_BODY_BYTES,
      signatureWindowMs: config.CALLBACK_SIGNATURE_WINDOW_MS,
    },
  };
}

export function orderStatusDeps(env = process.env): OrderStatusDeps {
  const config = orderStatusConfig(env);
  const ddb = dynamoClient();
  return {
    sessions: new DynamoSessionStore(ddb, config.SESSIONS_TABLE),
    payments: new DynamoPaymentStore(ddb, config.PAYMENTS_TABLE),
    clearance: new DynamoClearanceStore(ddb, config.CLEARANCE_TABLE),
  };
}

import { dynamoClient } from '#adapters/aws-clients.ts';
import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { DynamoPaymentRetention } from '#adapters/dynamodb/payment-retention.ts';
import { partnerSecrets } from '#adapters/partner-secrets.ts';
import { systemClock } from '#core/ports.ts';
import { TOP_TIMESTAMP_WINDOW_MS } from '#core/settings.ts';
import type { RecordClearanceDeps } from '#core/use-cases/record-clearance.ts';
import { clearanceCallbackConfig } from '#functions/config.ts';

/**
 * clearance-callback's composition root: config -> adapters, once per container. It reads only the
 * expiry of the orders' payments, so their timelines expire with them; its bundle holds no payment or
 * session store.
 */
export function clearanceCallbackDeps(env = process.env): RecordClearanceDeps {
  const config = clearanceCallbackConfig(env);
  const client = dynamoClient();
  return {
    store: new DynamoClearanceStore(client, config.CLEARANCE_TABLE),
    secrets: partnerSecrets(config.partnerSecrets),
    clock: systemClock,
    ...(config.PAYMENTS_TABLE ? { payments: new DynamoPaymentRetention(client, config.PAYMENTS_TABLE) } : {}),
    settings: {
      retentionDays: config.RETENTION_DAYS,
      maxBodyBytes: config.CALLBACK_MAX_BODY_BYTES,
      signatureWindowMs: config.CALLBACK_SIGNATURE_WINDOW_MS,
      topTimestampWindowMs: TOP_TIMESTAMP_WINDOW_MS,
    },
  };
}

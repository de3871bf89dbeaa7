import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { dynamoClient } from '#adapters/dynamodb/session-store.ts';
import { partnerSecrets } from '#adapters/partner-secrets.ts';
import { systemClock } from '#core/ports.ts';
import type { RecordClearanceDeps } from '#core/use-cases/record-clearance.ts';
import { clearanceCallbackConfig } from './config.ts';

/**
 * The composition root of clearance-callback: config -> adapters, once per container. Its own module
 * (order-status has composition-order-status.ts), so the callback's bundle holds no payment or
 * session store.
 */
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

import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HttpCustomsClient } from '#adapters/customs/http-customs-client.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore, dynamoClient } from '#adapters/dynamodb/session-store.ts';
import { logger, metrics } from '#adapters/observability.ts';
import { METRIC } from '#core/metric-names.ts';
import { systemClock } from '#core/ports.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import type { SigningDeps } from './composition-signing-common.ts';
import { uploadWorkerConfig } from './config.ts';

/**
 * The worker's composition root: config -> adapters, once per container, at cold start, with the
 * signer `signing` makes. Each deployed worker passes its one signer kind's (upload-worker/handler-*.ts),
 * so its bundle holds no other kind's SDK clients; composition.ts passes all of them.
 */
export async function uploadWorkerDepsWith(signing: SigningDeps, env = process.env): Promise<UploadDeps> {
  const config = uploadWorkerConfig(env);
  const ddb = dynamoClient();
  const { signer, certificates } = await signing(config.signer);
  return {
    sessions: new DynamoSessionStore(ddb, config.SESSIONS_TABLE),
    payments: new DynamoPaymentStore(ddb, config.PAYMENTS_TABLE),
    signer,
    certificates,
    customs: new HttpCustomsClient(config.CUSTOMS_UPLOAD_URL, config.CUSTOMS_TIMEOUT_MS),
    clock: systemClock,
    // guid C..36, upper case, unique per upload.
    newGuid: () => randomUUID().toUpperCase(),
    onCertificateExpiring: (key, daysLeft) => {
      logger.warn('the signing certificate expires soon: renew it and register the new one', {
        ebpCode: key.ebpCode,
        certNo: key.certificate.certNo,
        notAfter: key.certificate.notAfter.toISOString(),
        daysLeft,
      });
      metrics.addMetric(METRIC.CertificateDaysLeft, MetricUnit.Count, daysLeft);
    },
    onSelfCheckFailed: (key, reason) => {
      logger.error('our own signature failed the self-check; nothing was sent', {
        ebpCode: key.ebpCode,
        reason,
      });
      metrics.addMetric(METRIC.SignatureSelfCheckFailed, MetricUnit.Count, 1);
    },
    settings: {
      maxReceives: config.MAX_RECEIVES,
      leaseMs: config.UPLOAD_LEASE_MS,
      uploadTries: config.UPLOAD_TRIES,
    },
  };
}

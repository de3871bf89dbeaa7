import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { HttpCustomsClient } from '#adapters/customs/http-customs-client.ts';
import { DynamoCertificateRegistry } from '#adapters/dynamodb/certificate-registry.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { logger, metrics } from '#adapters/observability.ts';
import { SqsGrabRedelivery } from '#adapters/sqs/grab-redelivery.ts';
import { ConfigError } from '#core/errors.ts';
import { METRIC } from '#core/metric-names.ts';
import { type CertificateRegistry, type Signer, systemClock } from '#core/ports.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import { type SignerConfig, uploadWorkerConfig, uploadWorkerStartConfig } from '#functions/config.ts';
import type { UploadWorkerRoot } from '#functions/upload-worker/worker.ts';

/**
 * upload-worker's composition root: config -> adapters, once per container, at cold start. The
 * signer is the one thing that varies: each signer kind has its module beside this one
 * (upload-worker-<kind>.ts), which a deployed worker's entry imports alone so its bundle holds no
 * other kind's SDK clients; upload-worker-any-signer.ts picks by SIGNER_KIND (local runs, invoke).
 */

/** The signer and the certificate registry, made once at cold start with the worker's DynamoDB client. */
export type SigningDeps = (
  config: SignerConfig,
  ddb: DynamoDBClient,
) => Promise<{ signer: Signer; certificates: CertificateRegistry }>;

type Kind = SignerConfig['SIGNER_KIND'];

/** The config of the kind a signer-kind entry is built for; a ConfigError when SIGNER_KIND names another. */
export function configOfKind<K extends Kind>(
  config: SignerConfig,
  kind: K,
): Extract<SignerConfig, { SIGNER_KIND: K }> {
  if (config.SIGNER_KIND !== kind) {
    throw new ConfigError(
      `this upload worker is built for the ${kind} signer but SIGNER_KIND is ${config.SIGNER_KIND}: ` +
        'the stack picks the worker entry by the stage’s signer kind, so set SIGNER_KIND through the stage config',
    );
  }
  return config as Extract<SignerConfig, { SIGNER_KIND: K }>;
}

/** The DynamoDB registry: which key and certificate sign for each ebpCode. */
export const certificateRegistry = (ddb: DynamoDBClient, table: string): CertificateRegistry =>
  new DynamoCertificateRegistry(ddb, table);

/**
 * The worker's root: its deps built when the first batch asks (a signer that cannot be made fails that
 * batch, not the module), and what it needs meanwhile: the sessions and the queue.
 */
export function uploadWorkerRootWith(signing: SigningDeps, env = process.env): UploadWorkerRoot {
  const start = uploadWorkerStartConfig(env);
  return {
    deps: () => uploadWorkerDepsWith(signing, env),
    sessions: new DynamoSessionStore(dynamoClient(), start.SESSIONS_TABLE),
    ...(start.GRAB_QUEUE_URL ? { redelivery: new SqsGrabRedelivery(sqsClient(), start.GRAB_QUEUE_URL) } : {}),
    backoff: { stepMs: start.RETRY_BACKOFF_STEP_MS, maxMs: start.RETRY_BACKOFF_MAX_MS },
  };
}

export async function uploadWorkerDepsWith(signing: SigningDeps, env = process.env): Promise<UploadDeps> {
  const config = uploadWorkerConfig(env);
  const ddb = dynamoClient();
  const { signer, certificates } = await signing(config.signer, ddb);
  return {
    sessions: new DynamoSessionStore(ddb, config.SESSIONS_TABLE, config.RETENTION_DAYS),
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
      retentionDays: config.RETENTION_DAYS,
    },
  };
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientOptions, dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { DynamoCertificateRegistry } from '#adapters/dynamodb/certificate-registry.ts';
import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoPinHoldStore } from '#adapters/dynamodb/pin-hold-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SqsDeadLetterQueue } from '#adapters/sqs/dead-letter-queue.ts';
import { SqsGrabQueue } from '#adapters/sqs/grab-queue.ts';
import { ConfigError } from '#core/errors.ts';
import { systemClock } from '#core/ports.ts';
import type { LoadPaymentsDeps } from '#core/use-cases/load-payments.ts';
import type { OrderStatusDeps } from '#core/use-cases/order-status.ts';
import type { redriveDeadLetters } from '#core/use-cases/redrive-dead-letters.ts';
import type { replaySessions } from '#core/use-cases/replay-sessions.ts';
import { grabRequestConfig, operatorConfig, paymentsConfig } from '#functions/config.ts';
import { orderStatusDeps } from './order-status.ts';

/** Which stack an operator tool works on. */
export interface OperatorTarget {
  /** its tables and queues; absent: the process environment, read through the config module */
  readonly env?: NodeJS.ProcessEnv;
  /** where the AWS clients point; absent: the SDK's own chain (a deployed stack, the caller's credentials) */
  readonly aws?: AwsClientOptions;
}

/**
 * The operator's composition root: the adapters `ceb-grab` commands (sessions, certs, verify, replay,
 * redrive, load, status), the local stack's sample loader, bench and soak work with. Each asks only
 * for what it uses, so a command needs only its own tables set; clients are made on first use and
 * shared.
 */
export interface OperatorRoot {
  sessions(): DynamoSessionStore;
  certificates(): DynamoCertificateRegistry;
  /** the signers' PIN holds (kept in the certificates table), for `ceb-grab signer-reset` */
  pinHolds(): DynamoPinHoldStore;
  replay(): Parameters<typeof replaySessions>[1];
  redrive(): Parameters<typeof redriveDeadLetters>[0];
  load(): LoadPaymentsDeps;
  status(): OrderStatusDeps;
  /** the clearance table, for the operator's questions (receipts waiting for their order's link) */
  clearance(): DynamoClearanceStore;
  /** Close the clients' connections, so a command exits at once. */
  close(): void;
}

export function operatorRoot(target: OperatorTarget = {}): OperatorRoot {
  const { env, aws = {} } = target;
  let ddb: DynamoDBClient | undefined;
  let sqs: SQSClient | undefined;
  const dynamo = () => (ddb ??= dynamoClient(aws));
  const queues = () => (sqs ??= sqsClient(aws));
  return {
    sessions: () => new DynamoSessionStore(dynamo(), operatorConfig(['SESSIONS_TABLE'], env).SESSIONS_TABLE),
    certificates: () =>
      new DynamoCertificateRegistry(dynamo(), operatorConfig(['CERTIFICATES_TABLE'], env).CERTIFICATES_TABLE),
    pinHolds: () =>
      new DynamoPinHoldStore(dynamo(), operatorConfig(['CERTIFICATES_TABLE'], env).CERTIFICATES_TABLE),
    replay: () => {
      const config = grabRequestConfig(env);
      return {
        sessions: new DynamoSessionStore(dynamo(), config.SESSIONS_TABLE),
        queue: new SqsGrabQueue(queues(), config.GRAB_QUEUE_URL),
        clock: systemClock,
      };
    },
    redrive: () => {
      const config = operatorConfig(['GRAB_QUEUE_URL', 'GRAB_DLQ_URL'], env);
      return {
        dlq: new SqsDeadLetterQueue(queues(), config.GRAB_DLQ_URL),
        queue: new SqsGrabQueue(queues(), config.GRAB_QUEUE_URL),
      };
    },
    load: () => {
      const config = paymentsConfig(env);
      const retentionDays = config.RETENTION_DAYS;
      const links = clearanceTable(env);
      return {
        payments: new DynamoPaymentStore(dynamo(), config.PAYMENTS_TABLE, { retentionDays }),
        sessions: new DynamoSessionStore(dynamo(), config.SESSIONS_TABLE, retentionDays),
        queue: new SqsGrabQueue(queues(), config.GRAB_QUEUE_URL),
        clock: systemClock,
        ...(links === undefined
          ? {}
          : { links: { store: new DynamoClearanceStore(dynamo(), links), retentionDays } }),
      };
    },
    status: () => orderStatusDeps(env, aws),
    clearance: () =>
      new DynamoClearanceStore(dynamo(), operatorConfig(['CLEARANCE_TABLE'], env).CLEARANCE_TABLE),
    close: () => {
      ddb?.destroy();
      sqs?.destroy();
    },
  };
}

/** The clearance table when the target names one (a load links inventories only then). */
function clearanceTable(env: NodeJS.ProcessEnv | undefined): string | undefined {
  try {
    return operatorConfig(['CLEARANCE_TABLE'], env).CLEARANCE_TABLE;
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

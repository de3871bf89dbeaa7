import { CfnOutput, Duration, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import {
  CUSTOMS_TIMEOUT_MS,
  GRAB_REQUEST_TIMEOUT_MS,
  SWEEP_INTERVAL_MS,
  UPLOAD_LEASE_MS,
  UPLOAD_TRIES,
  WORKER_BUDGET_MS,
  WORKER_TIMEOUT_MS,
} from '#core/settings.ts';
import { STATELESS_OUTPUT } from '#core/stack-outputs.ts';
import { workerMaxConcurrency } from '#core/worker-concurrency.ts';
import { GrabApi } from './constructs/grab-api.ts';
import { type BindableSecret, type BindableTable, HouseFunction } from './constructs/house-function.ts';
import { PipelineAlarms } from './constructs/pipeline-alarms.ts';
import { PipelineDashboard } from './constructs/pipeline-dashboard.ts';
import { PlainHttpFront } from './constructs/plain-http-front.ts';
import { bindWorkerSigner, type SignerResources } from './constructs/worker-signer.ts';
import type { SignerSettings, StageConfig } from './stage-config.ts';

/** The worker's time budget, from core/settings.ts (which says why): the deployed values are the defaults. */
const WORKER_TIMEOUT = Duration.millis(WORKER_TIMEOUT_MS);
const UPLOAD_LEASE = Duration.millis(UPLOAD_LEASE_MS);

/**
 * The worker's entry for the stage's signer: each bundles that signer's code and SDK clients only
 * (KMS, or Secrets Manager, or SSM), not every kind's. Local runs use upload-worker/handler.ts, which
 * picks the signer by SIGNER_KIND at cold start.
 */
export function workerEntry(signer: SignerSettings): string {
  const dir = 'functions/upload-worker';
  switch (signer.kind) {
    case 'soft':
      return `${dir}/handler-soft.ts`;
    case 'kms':
      return `${dir}/handler-kms.ts`;
    case 'hsm-proxy':
      return signer.token.source === 'parameter'
        ? `${dir}/handler-hsm-proxy-parameter.ts`
        : `${dir}/handler-hsm-proxy-secret.ts`;
  }
}

/** What the functions use from the stateful stack (or from anywhere else that provides the same). */
export interface PipelineResources {
  readonly sessionsTable: BindableTable;
  /** with its change stream, which the payments-stream function reads */
  readonly paymentsTable: BindableTable & { readonly tableStreamArn?: string | undefined };
  readonly certificatesTable: BindableTable;
  readonly clearanceTable: BindableTable;
  readonly grabQueue: IQueue;
  readonly grabDeadLetterQueue: IQueue;
  /** The grab queue's redrive maxReceiveCount; the worker records `failed` on the last receive. */
  readonly maxReceiveCount: number;
  readonly grabVisibilityTimeout: Duration;
  readonly signerMaterial: SignerResources;
  readonly callbackPartners: { readonly secret: BindableSecret };
  readonly alarmTopic: ITopic;
}

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly resources: PipelineResources;
}

/**
 * The code and its wiring: API Gateway -> grab-request -> grab queue -> upload-worker -> customs;
 * partners -> clearance-callback; operators -> order-status; the platform -> payment-intake; alarms and the dashboard.
 * Safe to destroy and redeploy; it holds no data.
 */
export class StatelessStack extends Stack {
  readonly grabRequest: HouseFunction;
  readonly uploadWorker: HouseFunction;
  readonly clearanceCallback: HouseFunction;
  readonly orderStatus: HouseFunction;
  readonly sweepSessions: HouseFunction;
  readonly paymentIntake: HouseFunction;
  readonly paymentsStream: HouseFunction;
  readonly grabApi: GrabApi;
  readonly front?: PlainHttpFront;
  readonly alarms: PipelineAlarms;
  readonly dashboard: PipelineDashboard;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, resources: data } = props;
    checkWorkerBudget(data.grabVisibilityTimeout);
    const logRetention = config.logRetention;

    // Replies to customs at once; only records the session and enqueues.
    this.grabRequest = new HouseFunction(this, 'GrabRequest', {
      entry: 'functions/grab-request/handler.ts',
      description: 'ceb-grab: accept a customs grab (platDataOpen), record the session, enqueue it',
      timeout: Duration.millis(GRAB_REQUEST_TIMEOUT_MS),
      memorySize: 256,
      logRetention,
    })
      .bindTable({ table: data.sessionsTable, env: 'SESSIONS_TABLE', access: 'write' })
      .bindQueue({ queue: data.grabQueue, env: 'GRAB_QUEUE_URL', access: 'send' });
    // What it writes (sessions, payments, clearance timelines) expires by TTL after the stage's retention.
    const retentionDays = String(config.retentionDays);
    this.grabRequest.addEnvironment('RETENTION_DAYS', retentionDays);

    // A grab's record and its send are two writes: the sweep queues again what a crash left unsent.
    this.sweepSessions = new HouseFunction(this, 'SweepSessions', {
      entry: 'functions/sweep-sessions/handler.ts',
      description: 'ceb-grab: queue again the grab sessions recorded but never sent (StuckSessions)',
      timeout: Duration.seconds(30),
      memorySize: 256,
      logRetention,
    })
      .bindTable({ table: data.sessionsTable, env: 'SESSIONS_TABLE', access: 'read-update' })
      .bindQueue({ queue: data.grabQueue, env: 'GRAB_QUEUE_URL', access: 'send' })
      // every dead-lettered grab ends recorded; the messages stay for `ceb-grab redrive`
      .bindQueue({ queue: data.grabDeadLetterQueue, env: 'GRAB_DLQ_URL', access: 'peek' });
    this.sweepSessions.addEnvironment('MAX_RECEIVES', String(data.maxReceiveCount));
    new Rule(this, 'SweepSchedule', {
      description: 'ceb-grab: run the stuck-session sweep',
      schedule: Schedule.rate(Duration.millis(SWEEP_INTERVAL_MS)),
      targets: [new LambdaFunction(this.sweepSessions, { retryAttempts: 0 })],
    });

    this.uploadWorker = new HouseFunction(this, 'UploadWorker', {
      entry: workerEntry(config.signer),
      description: 'ceb-grab: build, sign and upload the payment data of each grab to customs',
      timeout: WORKER_TIMEOUT,
      memorySize: 512,
      logRetention,
      environment: {
        CUSTOMS_UPLOAD_URL: config.customsUploadUrl,
        CUSTOMS_TIMEOUT_MS: String(CUSTOMS_TIMEOUT_MS),
        UPLOAD_TRIES: String(UPLOAD_TRIES),
        UPLOAD_LEASE_MS: String(UPLOAD_LEASE.toMilliseconds()),
        MAX_RECEIVES: String(data.maxReceiveCount),
        // a session whose payment expires later than its receipt is kept as long (core/retention.ts)
        RETENTION_DAYS: retentionDays,
      },
    })
      .bindTable({ table: data.paymentsTable, env: 'PAYMENTS_TABLE', access: 'read' })
      .bindTable({ table: data.sessionsTable, env: 'SESSIONS_TABLE', access: 'read-update' })
      .bindTable({ table: data.certificatesTable, env: 'CERTIFICATES_TABLE', access: 'get' })
      // a grab failed for a retry comes back after a short backoff, not the visibility timeout
      .bindQueue({ queue: data.grabQueue, env: 'GRAB_QUEUE_URL', access: 'redeliver' });
    bindWorkerSigner(this.uploadWorker, config.signer, data.signerMaterial, data.certificatesTable);
    if (config.workerNetwork) this.uploadWorker.placeInNetwork(config.workerNetwork);
    this.uploadWorker.addEventSource(
      new SqsEventSource(data.grabQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        // The worker returns the failed messages only; the rest of the batch is deleted.
        reportBatchItemFailures: true,
        // At the signer's pace: a burst of grabs waits in the queue, not at a Ukey or at customs.
        maxConcurrency: workerMaxConcurrency(config.signer.kind, config.workerMaxConcurrency),
      }),
    );

    this.clearanceCallback = new HouseFunction(this, 'ClearanceCallback', {
      entry: 'functions/clearance-callback/handler.ts',
      description: 'ceb-grab: record HMAC-signed clearance notices and customs receipts from partners',
      timeout: Duration.seconds(10),
      memorySize: 256,
      logRetention,
    })
      .bindTable({ table: data.clearanceTable, env: 'CLEARANCE_TABLE', access: 'append-query' })
      // an order's timeline expires with its payment: one GetItem of the payment's expiry
      .bindTable({ table: data.paymentsTable, env: 'PAYMENTS_TABLE', access: 'get' })
      .bindSecret({ secret: data.callbackPartners.secret, env: 'CALLBACK_PARTNER_SECRETS_SECRET_ID' });
    this.clearanceCallback.addEnvironment('RETENTION_DAYS', retentionDays);

    this.orderStatus = new HouseFunction(this, 'OrderStatus', {
      entry: 'functions/order-status/handler.ts',
      description: 'ceb-grab: an order’s grab sessions, payment and clearance timeline (IAM-authorized)',
      timeout: Duration.seconds(10),
      memorySize: 256,
      logRetention,
    })
      .bindTable({ table: data.sessionsTable, env: 'SESSIONS_TABLE', access: 'read' })
      .bindTable({ table: data.paymentsTable, env: 'PAYMENTS_TABLE', access: 'read' })
      .bindTable({ table: data.clearanceTable, env: 'CLEARANCE_TABLE', access: 'query' });

    // The platform's order system stores payments as they happen; the Payments stream replays waiting grabs.
    this.paymentIntake = new HouseFunction(this, 'PaymentIntake', {
      entry: 'functions/payment-intake/handler.ts',
      description: 'ceb-grab: store payments (JSON or NDJSON) from the platform (IAM-authorized)',
      timeout: Duration.seconds(29),
      memorySize: 512,
      logRetention,
    })
      .bindTable({ table: data.paymentsTable, env: 'PAYMENTS_TABLE', access: 'replace' })
      // an order's copNo in the payment links its inventory receipts to it (as `ceb-grab load` does)
      .bindTable({ table: data.clearanceTable, env: 'CLEARANCE_TABLE', access: 'put-query' });
    this.paymentIntake.addEnvironment('RETENTION_DAYS', retentionDays);

    // Any write of a payment re-queues the `no-data` grabs of its orders (never re-sends an uploaded one).
    this.paymentsStream = new HouseFunction(this, 'PaymentsStream', {
      entry: 'functions/payments-stream/handler.ts',
      description: 'ceb-grab: queue again the grabs that waited for a payment, on every write of one',
      timeout: Duration.seconds(30),
      memorySize: 256,
      logRetention,
    })
      .bindTable({ table: data.sessionsTable, env: 'SESSIONS_TABLE', access: 'read-update' })
      .bindQueue({ queue: data.grabQueue, env: 'GRAB_QUEUE_URL', access: 'send' });
    const { tableStreamArn } = data.paymentsTable;
    if (!tableStreamArn) throw new Error('the Payments table needs its stream (NEW_AND_OLD_IMAGES)');
    const paymentsWithStream = Table.fromTableAttributes(this, 'PaymentsStreamSource', {
      tableArn: data.paymentsTable.tableArn,
      tableStreamArn,
      ...(data.paymentsTable.encryptionKey ? { encryptionKey: data.paymentsTable.encryptionKey } : {}),
    });
    this.paymentsStream.addEventSource(
      new DynamoEventSource(paymentsWithStream, {
        // From the oldest record kept (24 h): a deploy or an outage of the function loses no payment.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        // The function reports only the records whose grabs could not be queued again.
        reportBatchItemFailures: true,
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.paymentsStream.executionRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'dynamodb:ListStreams has no resource-level permissions: the stream event source grants it on *; reads of the stream itself name the Payments stream.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );

    this.grabApi = new GrabApi(this, 'GrabApi', {
      grabFunction: this.grabRequest,
      callbackFunction: this.clearanceCallback,
      statusFunction: this.orderStatus,
      paymentsFunction: this.paymentIntake,
      customsSourceRanges: config.customsSourceRanges,
      behindFront: config.plainHttpFront,
      stageName: config.stage,
      throttle: config.apiThrottle,
      logRetention,
    });
    if (config.plainHttpFront) {
      this.front = new PlainHttpFront(this, 'PlainHttpFront', {
        api: this.grabApi.api,
        customsSourceRanges: config.customsSourceRanges,
      });
    }

    this.alarms = new PipelineAlarms(this, 'Alarms', {
      topic: data.alarmTopic,
      grabQueue: data.grabQueue,
      deadLetterQueue: data.grabDeadLetterQueue,
      api: this.grabApi.api,
    });
    this.dashboard = new PipelineDashboard(this, 'Dashboard', {
      grabQueue: data.grabQueue,
      deadLetterQueue: data.grabDeadLetterQueue,
      api: this.grabApi.api,
      alarms: Object.values(this.alarms.alarms),
    });

    new CfnOutput(this, STATELESS_OUTPUT.platDataOpenUrl, {
      description: 'Register this URL with customs as the grab (platDataOpen) endpoint',
      value: this.front ? this.front.platDataOpenUrl : this.grabApi.platDataOpenUrl,
    });
    new CfnOutput(this, STATELESS_OUTPUT.clearanceCallbackUrl, {
      description: 'Give this URL to the clearance partners (HMAC-signed POSTs)',
      value: this.grabApi.api.urlForPath('/clearance/callback'),
    });
    new CfnOutput(this, STATELESS_OUTPUT.paymentsUrl, {
      description: 'POST payments (JSON or NDJSON) here, signed with SigV4 (execute-api:Invoke)',
      value: this.grabApi.api.urlForPath('/payments'),
    });
    new CfnOutput(this, STATELESS_OUTPUT.orderStatusUrl, {
      description: 'GET <url>/orders/{orderNo}/status, signed with SigV4 (execute-api:Invoke)',
      value: this.grabApi.api.url,
    });
  }
}

/** Fail synthesis, not a deploy or a night of lost uploads, when the timings contradict each other. */
function checkWorkerBudget(visibility: Duration): void {
  const problems: string[] = [];
  if (WORKER_BUDGET_MS >= WORKER_TIMEOUT.toMilliseconds()) {
    problems.push(
      `a delivery (signer, ${UPLOAD_TRIES} customs tries of ${CUSTOMS_TIMEOUT_MS} ms, DynamoDB) can take ${WORKER_BUDGET_MS} ms, not less than the worker timeout`,
    );
  }
  const visibilitySeconds = visibility.toSeconds();
  if (!Token.isUnresolved(visibilitySeconds)) {
    // Lambda refuses an SQS trigger whose visibility timeout is shorter than the function timeout.
    if (WORKER_TIMEOUT.toSeconds() > visibilitySeconds) {
      problems.push(
        `the worker timeout exceeds the grab queue's visibility timeout (${visibilitySeconds} s)`,
      );
    }
    if (visibilitySeconds < 6 * WORKER_TIMEOUT.toSeconds()) {
      problems.push(
        `the grab queue's visibility timeout (${visibilitySeconds} s) is under 6 × the worker timeout`,
      );
    }
    if (UPLOAD_LEASE.toSeconds() >= visibilitySeconds) {
      problems.push(
        'the upload lease outlasts the visibility timeout, so a redelivery would find it still held',
      );
    }
  }
  if (problems.length > 0) throw new Error(`upload-worker timings: ${problems.join('; ')}`);
}

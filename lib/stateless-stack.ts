import { CfnOutput, Duration, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { GrabApi } from './constructs/grab-api.ts';
import { type BindableSecret, type BindableTable, HouseFunction } from './constructs/house-function.ts';
import type { StageConfig } from './stage-config.ts';

/**
 * The worker's time budget. Lambda stops it after WORKER_TIMEOUT; within that, the in-process customs
 * tries (each bounded by CUSTOMS_TIMEOUT_MS, up to 2 s backoff between them) must finish, and the
 * upload lease must outlive the invocation yet expire before SQS shows the message again.
 */
const WORKER_TIMEOUT = Duration.seconds(15);
const CUSTOMS_TIMEOUT_MS = 4_000;
const UPLOAD_TRIES = 2;
const MAX_BACKOFF_MS = 2_000;
const UPLOAD_LEASE = WORKER_TIMEOUT.plus(Duration.seconds(5));

/** What the functions use from the stateful stack (or from anywhere else that provides the same). */
export interface PipelineResources {
  readonly sessionsTable: BindableTable;
  readonly paymentsTable: BindableTable;
  readonly grabQueue: IQueue;
  /** The grab queue's redrive maxReceiveCount; the worker records `failed` on the last receive. */
  readonly maxReceiveCount: number;
  readonly grabVisibilityTimeout: Duration;
  readonly softSignerSecret: BindableSecret;
}

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly resources: PipelineResources;
}

/**
 * The code and its wiring: API Gateway -> grab-request -> grab queue -> upload-worker -> customs.
 * Safe to destroy and redeploy; it holds no data.
 */
export class StatelessStack extends Stack {
  readonly grabRequest: HouseFunction;
  readonly uploadWorker: HouseFunction;
  readonly grabApi: GrabApi;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, resources } = props;
    checkWorkerBudget(resources.grabVisibilityTimeout);

    // Replies to customs at once; only records the session and enqueues.
    this.grabRequest = new HouseFunction(this, 'GrabRequest', {
      entry: 'functions/grab-request/handler.ts',
      description: 'ceb-grab: accept a customs grab (platDataOpen), record the session, enqueue it',
      timeout: Duration.seconds(5),
      memorySize: 256,
      logRetention: config.logRetention,
    })
      .bindTable({ table: resources.sessionsTable, env: 'SESSIONS_TABLE', access: 'write' })
      .bindQueue({ queue: resources.grabQueue, env: 'GRAB_QUEUE_URL', access: 'send' });

    this.uploadWorker = new HouseFunction(this, 'UploadWorker', {
      entry: 'functions/upload-worker/handler.ts',
      description: 'ceb-grab: build, sign and upload the payment data of each grab to customs',
      timeout: WORKER_TIMEOUT,
      memorySize: 512,
      logRetention: config.logRetention,
      environment: {
        CUSTOMS_UPLOAD_URL: config.customsUploadUrl,
        CUSTOMS_TIMEOUT_MS: String(CUSTOMS_TIMEOUT_MS),
        UPLOAD_TRIES: String(UPLOAD_TRIES),
        UPLOAD_LEASE_MS: String(UPLOAD_LEASE.toMilliseconds()),
        MAX_RECEIVES: String(resources.maxReceiveCount),
        SIGNER_KIND: 'soft',
      },
    })
      .bindTable({ table: resources.paymentsTable, env: 'PAYMENTS_TABLE', access: 'read' })
      .bindTable({ table: resources.sessionsTable, env: 'SESSIONS_TABLE', access: 'read-update' })
      .bindSecret({ secret: resources.softSignerSecret, env: 'SOFT_SIGNER_SECRET_ID' });

    this.uploadWorker.addEventSource(
      new SqsEventSource(resources.grabQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        // The worker returns the failed messages only; the rest of the batch is deleted.
        reportBatchItemFailures: true,
      }),
    );

    this.grabApi = new GrabApi(this, 'GrabApi', {
      grabFunction: this.grabRequest,
      stageName: config.stage,
      throttle: config.apiThrottle,
      logRetention: config.logRetention,
    });

    new CfnOutput(this, 'PlatDataOpenUrl', {
      description: 'Register this URL with customs as the grab (platDataOpen) endpoint',
      value: this.grabApi.platDataOpenUrl,
    });
  }
}

/** Fail synthesis, not a deploy or a night of lost uploads, when the timings contradict each other. */
function checkWorkerBudget(visibility: Duration): void {
  const problems: string[] = [];
  const tries = UPLOAD_TRIES * CUSTOMS_TIMEOUT_MS + (UPLOAD_TRIES - 1) * MAX_BACKOFF_MS;
  if (tries >= WORKER_TIMEOUT.toMilliseconds()) {
    problems.push(`${UPLOAD_TRIES} customs tries can take ${tries} ms, not less than the worker timeout`);
  }
  const visibilitySeconds = visibility.toSeconds();
  if (!Token.isUnresolved(visibilitySeconds)) {
    // Lambda refuses an SQS trigger whose visibility timeout is shorter than the function timeout.
    if (WORKER_TIMEOUT.toSeconds() > visibilitySeconds) {
      problems.push(
        `the worker timeout exceeds the grab queue's visibility timeout (${visibilitySeconds} s)`,
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

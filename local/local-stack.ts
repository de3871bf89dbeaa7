import type { Server } from 'node:http';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { dynamoClient, dynamoStreamsClient, sqsClient } from '#adapters/aws-clients.ts';
import { SERVICE_NAME } from '#core/metric-names.ts';
import { RETRY_BACKOFF_MAX_MS, SWEEP_INTERVAL_MS } from '#core/settings.ts';
import type { AcceptGrabDeps } from '#core/use-cases/accept-grab.ts';
import type { SweepResult } from '#core/use-cases/requeue-stuck.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import { workerMaxConcurrency } from '#core/worker-concurrency.ts';
import type { Faults } from '#doubles/customs-simulator/faults.ts';
import { type CustomsSimulator, startCustomsSimulator } from '#doubles/customs-simulator/server.ts';
import { startApiServer } from './api-server.ts';
import { localPartnerSecretsEnv } from './demo-clearance.ts';
import { DynamoStreamPoller } from './dynamodb-stream-poller.ts';
import { lambdaContext } from './lambda-context.ts';
import { type LocalSigner, prepareLocalSigner } from './local-signer.ts';
import { type Moto, startMoto } from './moto.ts';
import { createLocalResources, type LocalResources } from './resources.ts';
import { localRoutes } from './routes.ts';
import { SAMPLE_EBP_CODE } from './sample-payments.ts';
import { type SqsHandler, SqsPoller } from './sqs-poller.ts';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalStackInfo,
  localAws,
  localEnv,
  removeStackFile,
  writeStackFile,
} from './stack-file.ts';

export interface LocalStackOptions {
  /** Install moto into the user cache when none is found (default); false: the same as CEB_GRAB_NO_PROVISION=1. */
  readonly provisionMoto?: boolean;
  /** API port on 127.0.0.1; 0 picks a free one. Default 3000. */
  readonly port?: number;
  /** Upload to this customs endpoint instead of the built-in simulator. */
  readonly customsUrl?: string;
  readonly customsFaults?: Faults;
  /** Seconds before a failed grab message is delivered again. */
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceives?: number;
  /** concurrent queue pollers, as a stage's workerMaxConcurrency; default the signer kind's (core/worker-concurrency.ts) */
  readonly workerConcurrency?: number;
  /** Write .ceb-grab/local.json (or this path) so other terminals find this stack. */
  readonly writeStackFile?: boolean | string;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  readonly env?: NodeJS.ProcessEnv;
  readonly onError?: (e: unknown) => void;
  /** How often the stuck-session sweep runs (default SWEEP_INTERVAL_MS, as deployed); 0: never by itself. */
  readonly sweepIntervalMs?: number;
  /** Wrap the worker's deps (the soak run injects signer faults and crashes this way). */
  readonly wrapWorkerDeps?: (deps: UploadDeps) => UploadDeps;
  /** Wrap the worker's Lambda handler (the soak run makes it fail at init for a while). */
  readonly wrapWorkerHandler?: (handler: SqsHandler) => SqsHandler;
  /** Wrap grab-request's deps (the soak run crashes it between the session write and the send). */
  readonly wrapGrabDeps?: (deps: AcceptGrabDeps) => AcceptGrabDeps;
  /**
   * Put something in front of moto's DynamoDB for the functions (the soak run's throttling proxy):
   * given moto's endpoint, it returns the endpoint the functions' DynamoDB clients use instead.
   */
  readonly dynamoDbFront?: (
    motoEndpoint: string,
  ) => Promise<{ readonly endpoint: string; close(): Promise<void> }>;
}

export interface LocalStack {
  readonly moto: Moto;
  readonly resources: LocalResources;
  readonly apiUrl: string;
  readonly platDataOpenUrl: string;
  readonly customsUploadUrl: string;
  /** The built-in customs simulator, unless an external customs URL was given. */
  readonly customs: CustomsSimulator | undefined;
  /** the signer the worker uses, and its certificate */
  readonly signer: LocalSigner;
  /** Register the signer's certificate for an ebpCode, in our registry and with customs. */
  registerEbpCode(ebpCode: string, opts?: { withCustoms?: boolean }): Promise<void>;
  readonly poller: SqsPoller;
  /** Run the stuck-session sweep now (it also runs every `sweepIntervalMs`), as the scheduled function does. */
  sweep(): Promise<SweepResult>;
  /** the Payments table's stream, feeding the payments-stream function */
  readonly paymentsStream: DynamoStreamPoller;
  stop(): Promise<void>;
}

/**
 * The whole product on loopback: moto for DynamoDB and SQS, the API routes as Lambda proxy
 * events, the worker fed from the real queue, and customs' side simulated. The functions run
 * unchanged: they read the same environment a deployed stack gives them.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const env = opts.env ?? process.env;
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const visibilityTimeoutSeconds = opts.visibilityTimeoutSeconds ?? 10;
    const moto = await startMoto(
      opts.provisionMoto === false ? { env: { ...process.env, CEB_GRAB_NO_PROVISION: '1' } } : {},
    );
    cleanups.push(() => moto.stop());
    const resources = await createLocalResources({
      endpoint: moto.endpoint,
      region: LOCAL_REGION,
      visibilityTimeoutSeconds,
      ...(opts.maxReceives === undefined ? {} : { maxReceives: opts.maxReceives }),
    });

    // Before the signer: an hsm-proxy signer loads the adapters, whose logger reads its level once.
    const level = opts.logLevel ?? 'WARN';
    Object.assign(process.env, {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_LOG_LEVEL: level === 'SILENT' ? 'CRITICAL' : level,
      POWERTOOLS_METRICS_DISABLED: level === 'DEBUG' || level === 'INFO' ? 'false' : 'true',
      POWERTOOLS_METRICS_NAMESPACE: 'CebGrabLocal',
    });
    const signer = await prepareLocalSigner(env);
    cleanups.push(() => signer.stop());
    let customs: CustomsSimulator | undefined;
    let customsUploadUrl = opts.customsUrl;
    if (!customsUploadUrl) {
      customs = await startCustomsSimulator(opts.customsFaults ? { faults: opts.customsFaults } : {});
      cleanups.push(() => customs?.close());
      customsUploadUrl = customs.uploadUrl;
    }

    // The functions' DynamoDB clients read AWS_ENDPOINT_URL_DYNAMODB before AWS_ENDPOINT_URL (the SDK's chain).
    const front = opts.dynamoDbFront ? await opts.dynamoDbFront(moto.endpoint) : undefined;
    if (front) {
      cleanups.push(async () => {
        delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
        await front.close();
      });
    }

    Object.assign(process.env, {
      ...localEnv({
        ...resources,
        endpoint: moto.endpoint,
        region: LOCAL_REGION,
        customsUrl: customsUploadUrl,
      }),
      ...signer.env,
      ...(front ? { AWS_ENDPOINT_URL_DYNAMODB: front.endpoint } : {}),
      // The clearance partners' HMAC secrets: one generated demo partner unless the caller brought some.
      ...localPartnerSecretsEnv(env),
      // The lease ends before the message reappears, so a redelivery after a crash can take over.
      UPLOAD_LEASE_MS: env.UPLOAD_LEASE_MS ?? String(Math.max(1, visibilityTimeoutSeconds - 2) * 1000),
      // A failed grab comes back after the short backoff, never later than the queue's own timeout.
      RETRY_BACKOFF_MAX_MS:
        env.RETRY_BACKOFF_MAX_MS ?? String(Math.min(RETRY_BACKOFF_MAX_MS, visibilityTimeoutSeconds * 1000)),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });

    // Imported only now: a handler reads its configuration once, when its module loads.
    const { createUploadWorker } = await import('#functions/upload-worker/worker.ts');
    const { uploadWorkerRoot } = await import('#functions/composition/upload-worker-any-signer.ts');
    const { operatorRoot } = await import('#functions/composition/operator.ts');
    // Which key signs for which ebpCode: our registry, and customs' own registration of the certificate.
    const registry = operatorRoot().certificates();
    const registerEbpCode = async (ebpCode: string, o: { withCustoms?: boolean } = {}) => {
      await registry.put({
        ebpCode,
        signer: signer.kind,
        keyId: signer.keyId,
        certificatePem: signer.certificatePem,
      });
      if (o.withCustoms !== false) customs?.registerCertificate(ebpCode, signer.certificatePem);
    };
    for (const ebpCode of [SAMPLE_EBP_CODE, ...(env.LOCAL_EBP_CODES ?? '').split(',').filter(Boolean)]) {
      await registerEbpCode(ebpCode);
    }
    // Built at once, so a local stack that cannot sign says so when it starts; the deployed worker
    // builds them on its first batch.
    const workerRoot = uploadWorkerRoot();
    const workerDeps = await workerRoot.deps();
    const wrapped = opts.wrapWorkerDeps ? opts.wrapWorkerDeps(workerDeps) : workerDeps;
    const workerHandler: SqsHandler = createUploadWorker({ ...workerRoot, deps: async () => wrapped });
    const uploadWorker = {
      handler: opts.wrapWorkerHandler ? opts.wrapWorkerHandler(workerHandler) : workerHandler,
    };
    const api = await startApiServer(
      await localRoutes({ wrapGrabDeps: opts.wrapGrabDeps }),
      opts.port ?? 3000,
      {
        // The IAM-authorized routes admit requests signed with the local identity, as API Gateway would.
        iam: { region: LOCAL_REGION, credentials: [LOCAL_CREDENTIALS] },
      },
    );
    cleanups.push(() => closeServer(api.server));

    const sqs = sqsClient(localAws({ endpoint: moto.endpoint, region: LOCAL_REGION }));
    const arn = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: resources.grabQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const poller = new SqsPoller({
      client: sqs,
      queueUrl: resources.grabQueueUrl,
      queueArn: arn.Attributes?.QueueArn ?? '',
      handler: uploadWorker.handler,
      functionName: 'upload-worker',
      // As many loops as the deployed event source runs workers, by the same rule (one card: 2).
      concurrency: workerMaxConcurrency(signer.kind, opts.workerConcurrency),
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
    poller.start();
    cleanups.push(() => poller.stop());

    // The deployed EventBridge schedule's stand-in: the same handler on a timer.
    const { handler: sweepHandler } = await import('#functions/sweep-sessions/handler.ts');
    const sweep = async () => (await sweepHandler(undefined, lambdaContext('sweep-sessions'))) as SweepResult;
    const sweepEvery = opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS;
    if (sweepEvery > 0) {
      const timer = setInterval(() => void sweep().catch((e) => opts.onError?.(e)), sweepEvery);
      timer.unref();
      cleanups.push(() => clearInterval(timer));
    }
    // The Payments table's stream, as Lambda's event source mapping feeds the payments-stream function.
    const { createPaymentsStreamHandler } = await import('#functions/payments-stream/stream-consumer.ts');
    const { paymentsStreamDeps } = await import('#functions/composition/payments-stream.ts');
    const paymentsStream = new DynamoStreamPoller({
      client: dynamoClient(localAws({ endpoint: moto.endpoint, region: LOCAL_REGION })),
      streams: dynamoStreamsClient(localAws({ endpoint: moto.endpoint, region: LOCAL_REGION })),
      tableName: resources.paymentsTable,
      handler: createPaymentsStreamHandler(paymentsStreamDeps()),
      functionName: 'payments-stream',
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
    await paymentsStream.start();
    cleanups.push(() => paymentsStream.stop());

    if (opts.writeStackFile) {
      const info: LocalStackInfo = {
        ...resources,
        endpoint: moto.endpoint,
        region: LOCAL_REGION,
        apiUrl: api.url,
        customsUrl: customsUploadUrl,
        pid: process.pid,
        ...(signer.files ? { signerFiles: signer.files } : {}),
        ...(process.env.CALLBACK_PARTNER_SECRETS
          ? { partnerSecrets: process.env.CALLBACK_PARTNER_SECRETS }
          : {}),
      };
      const path = typeof opts.writeStackFile === 'string' ? opts.writeStackFile : undefined;
      writeStackFile(info, path);
      cleanups.push(() => removeStackFile(path));
    }

    return {
      moto,
      resources,
      apiUrl: api.url,
      platDataOpenUrl: `${api.url}/platDataOpen`,
      customsUploadUrl,
      customs,
      signer,
      registerEbpCode,
      poller,
      sweep,
      paymentsStream,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

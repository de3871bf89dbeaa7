import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, metrics } from '#adapters/observability.ts';
import { SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';
import { parseGrabMessage } from '#core/grab-message.ts';
import { METRIC } from '#core/metric-names.ts';
import type { GrabRedelivery, SessionStore } from '#core/ports.ts';
import { retryBackoffSeconds } from '#core/retry-backoff.ts';
import { type UploadDeps, uploadSession } from '#core/use-cases/upload-session.ts';

/** What the worker is made of: its deps, built lazily, and what it needs when they cannot be built. */
export interface UploadWorkerRoot {
  /** built on the first batch, and again on the next after a failure (signer material may be missing) */
  readonly deps: () => Promise<UploadDeps>;
  /** to say on a waiting session why it waits when the worker cannot start */
  readonly sessions: Pick<SessionStore, 'noteWaitingReason'>;
  /** to bring a failed grab back after a short backoff; without it, after the visibility timeout */
  readonly redelivery?: GrabRedelivery;
  readonly backoff?: { readonly stepMs: number; readonly maxMs: number };
}

const OUTCOME_METRIC = {
  uploaded: METRIC.UploadAccepted,
  rejected: METRIC.UploadRejected,
  failed: METRIC.UploadFailed,
  'no-data': METRIC.GrabNoPaymentData,
  retrying: METRIC.UploadRetrying,
  'already-done': METRIC.GrabRedelivered,
} as const;

async function processRecord(record: SQSRecord, deps: UploadDeps): Promise<void> {
  // A body we cannot read fails the record; after the last receive it lands in the DLQ for a human.
  const message = parseGrabMessage(record.body);
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
  // The grab's keys on each line, not on a child logger: createChild costs ~65 µs a record.
  const grab = { sessionID: message.sessionID, orderNo: message.orderNo };
  try {
    const result = await uploadSession(message, receiveCount, deps);
    metrics.addMetric(
      OUTCOME_METRIC[result.outcome as keyof typeof OUTCOME_METRIC] ?? METRIC.UploadOther,
      MetricUnit.Count,
      1,
    );
    if (result.latencyMs !== undefined)
      metrics.addMetric(METRIC.GrabToAcceptedMs, MetricUnit.Milliseconds, result.latencyMs);
    if (result.outcome === 'rejected' && result.customsCode) {
      // By customs' code, so 20004 (certificate not registered) can have its own alarm.
      metrics
        .singleMetric()
        .addDimension('customsCode', result.customsCode)
        .addMetric(METRIC.UploadRejectedByCode, MetricUnit.Count, 1);
    }
    countSignerTrouble(result.cause);
    const level = result.outcome === 'uploaded' || result.outcome === 'already-done' ? 'info' : 'warn';
    logger[level]('grab processed', {
      ...grab,
      outcome: result.outcome,
      detail: result.detail,
      customsCode: result.customsCode,
      receiveCount,
    });
  } catch (e) {
    metrics.addMetric(METRIC.UploadRetrying, MetricUnit.Count, 1);
    countSignerTrouble(e instanceof Error ? e.cause : undefined);
    logger.warn('grab will be retried', { ...grab, reason: (e as Error).message, receiveCount });
    throw e;
  }
}

function countSignerTrouble(cause: unknown): void {
  if (cause instanceof SignerUnavailableError || cause instanceof SignerRejectedError) {
    metrics.addMetric(METRIC.SignerError, MetricUnit.Count, 1);
  }
}

/**
 * The grab messages of a batch the worker could not start for: each waiting session says why (the
 * dead-letter record repeats it), an alarm hears of it, and every message goes back to the queue.
 */
async function couldNotStart(event: SQSEvent, e: unknown, root: UploadWorkerRoot): Promise<SQSBatchResponse> {
  // The error's message only: ConfigError and the SDK's errors name what is missing, never a secret's value.
  const reason = `worker could not start: ${e instanceof Error ? e.message : String(e)}`.slice(0, 1_000);
  logger.error('the upload worker could not start; its grabs wait on the queue', { reason });
  metrics.addMetric(METRIC.WorkerInitFailed, MetricUnit.Count, 1);
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        await root.sessions.noteWaitingReason(parseGrabMessage(record.body).sessionID, reason);
      } catch (noted) {
        logger.warn('could not note why the grab waits', { reason: (noted as Error).message });
      }
    }),
  );
  return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
}

/**
 * The failed messages come back after a short backoff rather than the queue's visibility timeout
 * (120 s, past customs' window). Best effort: a failure leaves the timeout to redeliver them.
 */
async function comeBackSoon(event: SQSEvent, response: SQSBatchResponse, root: UploadWorkerRoot) {
  const { redelivery, backoff } = root;
  if (!redelivery) return;
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  await Promise.all(
    event.Records.filter((r) => failed.has(r.messageId)).map(async (r) => {
      const receives = Number(r.attributes.ApproximateReceiveCount ?? '1');
      const seconds = retryBackoffSeconds(receives, backoff?.stepMs, backoff?.maxMs);
      await redelivery.redeliverIn(r.receiptHandle, seconds).catch((e: unknown) => {
        logger.warn('could not bring the grab back early; the visibility timeout will', {
          messageId: r.messageId,
          reason: (e as Error).message,
        });
      });
    }),
  );
}

/**
 * The worker: SQS -> one upload per grab; failed records go back to the queue (partial batch
 * response), soon. Its deps are built on the first batch, not at import: a worker that cannot start
 * (signer material missing) says so on each grab's session and in an alarm, and tries again on the
 * next batch. The Lambda entries (handler-<kind>.ts) build the root from the environment; the local
 * stack may wrap the deps (fault injection in the soak run).
 */
export function createUploadWorker(root: UploadWorkerRoot) {
  let ready: Promise<UploadDeps> | undefined;
  const deps = () => {
    ready ??= root.deps().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  };
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      let built: UploadDeps;
      try {
        built = await deps();
      } catch (e) {
        const response = await couldNotStart(event, e, root);
        await comeBackSoon(event, response, root);
        return response;
      }
      // A processor per batch: it holds the batch's state, and the local stack runs batches concurrently.
      const response = await processPartialResponse(
        event,
        (record: SQSRecord) => processRecord(record, built),
        new BatchProcessor(EventType.SQS),
        { context, throwOnFullBatchFailure: false },
      );
      await comeBackSoon(event, response, root);
      return response;
    });
}

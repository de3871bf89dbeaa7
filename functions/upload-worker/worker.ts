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
import { type UploadDeps, uploadSession } from '#core/use-cases/upload-session.ts';

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
 * The worker for a set of deps: SQS -> one upload per grab; failed records go back to the queue
 * (partial batch response). The Lambda entry (handler.ts) builds the deps from the environment; the
 * local stack may wrap them (fault injection in the soak run).
 */
export function createUploadWorker(deps: UploadDeps) {
  return (
    middy<SQSEvent, SQSBatchResponse>()
      .use(injectLambdaContext(logger))
      .use(logMetrics(metrics))
      // A processor per batch: it holds the batch's state, and the local stack runs batches concurrently.
      .handler(async (event, context) =>
        processPartialResponse(
          event,
          (record: SQSRecord) => processRecord(record, deps),
          new BatchProcessor(EventType.SQS),
          {
            context,
            throwOnFullBatchFailure: false,
          },
        ),
      )
  );
}

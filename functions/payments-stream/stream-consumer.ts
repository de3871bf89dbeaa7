import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { changedOrderOf } from '#adapters/dynamodb/payment-stream-records.ts';
import { logger, metrics } from '#adapters/observability.ts';
import { METRIC } from '#core/metric-names.ts';
import { OUTDATED_UPLOAD_NOTE } from '#core/uploaded-version.ts';
import { type ReplayWaitingDeps, replayWaitingGrabs } from '#core/use-cases/replay-waiting-grabs.ts';

/**
 * The Payments table's stream: whoever stored a payment (POST /payments, `ceb-grab load`, the
 * platform's own PutItem), the grabs that waited for it are queued again. A record whose replay failed
 * is reported back (partial batch response) and retried; re-queueing is conditional, so a retry never
 * queues a session twice.
 */
export function createPaymentsStreamHandler(deps: ReplayWaitingDeps) {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      // Every batch emits a figure, so no invocation publishes an empty metric set (Powertools warns).
      metrics.addMetric(METRIC.PaymentStreamRecords, MetricUnit.Count, event.Records.length);
      return processPartialResponse(
        event,
        (record: DynamoDBRecord) => onRecord(record, deps),
        new BatchProcessor(EventType.DynamoDBStreams),
        {
          context,
          throwOnFullBatchFailure: false,
        },
      );
    });
}

async function onRecord(record: DynamoDBRecord, deps: ReplayWaitingDeps): Promise<void> {
  const changed = changedOrderOf(record);
  if (!changed) return;
  const { orderNo, payment } = changed;
  const result = await replayWaitingGrabs(payment, deps, [orderNo]);
  if (result.replayed > 0) {
    metrics.addMetric(METRIC.GrabReplayedAfterPayment, MetricUnit.Count, result.replayed);
    logger.info('grabs that waited for their payment queued again', { orderNo, replayed: result.replayed });
  }
  for (const { sessionID } of result.outdated) {
    metrics.addMetric(METRIC.UploadedPaymentChanged, MetricUnit.Count, 1);
    logger.warn(OUTDATED_UPLOAD_NOTE, { orderNo, sessionID });
  }
  if (result.errors.length > 0) {
    throw new Error(`order ${orderNo}: ${result.errors.map((e) => e.error).join('; ')}`);
  }
}

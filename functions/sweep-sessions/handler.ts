import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { logger, metrics } from '#adapters/observability.ts';
import { METRIC } from '#core/metric-names.ts';
import { recordDeadLetters } from '#core/use-cases/record-dead-letters.ts';
import { type SweepResult, sweepStuckSessions } from '#core/use-cases/requeue-stuck.ts';
import { sweepSessionsDeps } from '#functions/composition/sweep-sessions.ts';

/**
 * Scheduled (EventBridge, every SWEEP_INTERVAL_MS; a timer in the local stack): queue again every
 * session recorded but never sent, or queued and unclaimed for long. StuckSessions should stay 0.
 */
const deps = sweepSessionsDeps();

export const handler = middy<unknown, SweepResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async () => {
    const result = await sweepStuckSessions(deps.stuck);
    // Emitted every run, 0 too, so the alarm sees the sweep is alive.
    metrics.addMetric(METRIC.StuckSessions, MetricUnit.Count, result.requeued.length);
    if (result.requeued.length > 0 || result.failed.length > 0) {
      logger.warn('stuck sessions queued again', { requeued: result.requeued, failed: result.failed });
    }
    const dead = await recordDeadLetters(deps.deadLetters);
    if (dead.recorded.length > 0) {
      metrics.addMetric(METRIC.DeadLettersRecorded, MetricUnit.Count, dead.recorded.length);
      logger.warn('dead-lettered grabs recorded failed', { ...dead });
    }
    return result;
  });

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics } from '#adapters/observability.ts';
import { CallbackRejectedError, CallbackUnauthorizedError } from '#core/clearance/errors.ts';
import {
  type CallbackCode,
  callbackReply,
  httpStatusOf,
  type ReplyFormat,
  renderReply,
  replyFormatOf,
} from '#core/clearance/reply.ts';
import { METRIC, type MetricName } from '#core/metric-names.ts';
import { type RecordClearanceResult, recordClearance } from '#core/use-cases/record-clearance.ts';
import { clearanceCallbackDeps } from '#functions/composition/clearance-callback.ts';

/** POST /clearance/callback: clearance notices and customs receipts from the partners, HMAC-signed. */
const deps = clearanceCallbackDeps();

/** Metric per order that reached one of these states with a callback. */
const STATE_METRICS: Partial<Record<string, MetricName>> = {
  released: METRIC.OrdersReleased,
  rejected: METRIC.OrdersRejected,
  held: METRIC.OrdersHeld,
};

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const headers = event.headers ?? {};
    const contentType = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    // The exact bytes: they are what the partner signed.
    const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    const format = replyFormatOf(contentType, body.subarray(0, 64).toString('utf8'));
    try {
      const result = await recordClearance({ headers, contentType, body }, deps);
      count(result);
      logger.info('clearance callback recorded', { ...result });
      return reply('SUCCESS', describe(result), format);
    } catch (e) {
      if (e instanceof CallbackUnauthorizedError) {
        metrics.addMetric(METRIC.ClearanceCallbackRefused, MetricUnit.Count, 1);
        logger.warn('clearance callback refused', { reason: e.reason, partner: e.partner });
        return reply(e.code, e.message, format);
      }
      if (e instanceof CallbackRejectedError) {
        metrics.addMetric(METRIC.ClearanceCallbackInvalid, MetricUnit.Count, 1);
        logger.warn('clearance callback invalid', { code: e.code, reason: e.message });
        return reply(e.code, e.message, format);
      }
      metrics.addMetric(METRIC.ClearanceCallbackFailed, MetricUnit.Count, 1);
      logger.error('clearance callback not recorded', { error: e as Error });
      return reply('SYSTEM_ERROR', 'temporarily unable to record the callback; please send it again', format);
    }
  });

function count(result: RecordClearanceResult): void {
  const appended = result.events.filter((e) => e.outcome === 'appended').length;
  metrics.addMetric(METRIC.ClearanceEventRecorded, MetricUnit.Count, appended);
  metrics.addMetric(METRIC.ClearanceEventDuplicate, MetricUnit.Count, result.events.length - appended);
  for (const change of result.changes) {
    const name = STATE_METRICS[change.to];
    if (name) metrics.addMetric(name, MetricUnit.Count, 1);
  }
}

function describe(result: RecordClearanceResult): string {
  const appended = result.events.filter((e) => e.outcome === 'appended').length;
  const repeated = result.events.length - appended;
  if (appended === 0) return 'already recorded (a repeated callback)';
  return `recorded ${appended} event${appended === 1 ? '' : 's'}${repeated ? `, ${repeated} already recorded` : ''}`;
}

function reply(code: CallbackCode, info: string, format: ReplyFormat): APIGatewayProxyResult {
  const { contentType, body } = renderReply(callbackReply(code, info), format);
  return { statusCode: httpStatusOf(code), headers: { 'content-type': contentType }, body };
}

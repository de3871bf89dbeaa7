import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics } from '#adapters/observability.ts';
import { MalformedGrabError } from '#core/errors.ts';
import { METRIC } from '#core/metric-names.ts';
import { parseGrabRequest } from '#core/protocol/grab-request.ts';
import { GrabReplyCode, grabReply } from '#core/protocol/reply-codes.ts';
import { acceptGrab } from '#core/use-cases/accept-grab.ts';
import { grabRequestDeps } from '#functions/composition/grab-request.ts';

/** POST /platDataOpen: customs' grab. Reply at once; the upload happens from the queue. */
const deps = grabRequestDeps();

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const contentType = Object.entries(event.headers ?? {}).find(
      ([k]) => k.toLowerCase() === 'content-type',
    )?.[1];
    let grab: ReturnType<typeof parseGrabRequest>;
    try {
      grab = parseGrabRequest({ contentType, body: event.body, isBase64Encoded: event.isBase64Encoded });
    } catch (e) {
      if (!(e instanceof MalformedGrabError)) throw e;
      metrics.addMetric(METRIC.GrabMalformed, MetricUnit.Count, 1);
      logger.warn('malformed grab refused', { code: e.code, reason: e.message });
      return reply(e.code, e.message);
    }
    logger.appendKeys({ sessionID: grab.sessionID, orderNo: grab.orderNo });
    try {
      const result = await acceptGrab(grab, deps);
      metrics.addMetric(
        result.status === 'duplicate' ? METRIC.GrabDuplicate : METRIC.GrabQueued,
        MetricUnit.Count,
        1,
      );
      logger.info('grab accepted', { ...result });
      return reply(GrabReplyCode.ok, '');
    } catch (e) {
      // Our side failed (storage, queue): tell customs to send the grab again rather than lose it.
      metrics.addMetric(METRIC.GrabNotAccepted, MetricUnit.Count, 1);
      logger.error('grab not accepted', { error: e as Error });
      return reply(
        GrabReplyCode.notAccepted,
        '暂时无法受理, 请重新发送 (temporarily unable to accept the grab; please send it again)',
      );
    } finally {
      logger.removeKeys(['sessionID', 'orderNo']);
    }
  });

function reply(code: string, message: string): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(grabReply(code, message, Date.now())),
  };
}

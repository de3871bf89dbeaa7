import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics } from '#adapters/observability.ts';
import { METRIC } from '#core/metric-names.ts';
import { parseGrabRequest } from '#core/protocol/grab-request.ts';
import { GrabReplyCode } from '#core/protocol/reply-codes.ts';
import { type AcceptGrabDeps, acceptGrab } from '#core/use-cases/accept-grab.ts';
import { grabErrorReplies, grabResponse } from '#functions/edge/grab-reply.ts';
import { headerOf } from '#functions/edge/http-event.ts';

const STATUS_METRIC = {
  queued: METRIC.GrabQueued,
  duplicate: METRIC.GrabDuplicate,
  requeued: METRIC.GrabRequeued,
} as const;

/**
 * POST /platDataOpen for a set of deps: customs' grab, answered at once; the upload happens from the
 * queue. The Lambda entry (handler.ts) builds the deps from the environment; the local stack may wrap
 * them (the soak run's crash between the session write and the send).
 */
export function createGrabRequestHandler(deps: AcceptGrabDeps) {
  return (
    middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      // resetKeys: the grab's sessionID and orderNo are logged with this request only.
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(logMetrics(metrics))
      .use(grabErrorReplies({ logger, metrics }))
      .handler(async (event) => {
        const grab = parseGrabRequest({
          contentType: headerOf(event, 'content-type'),
          body: event.body,
          isBase64Encoded: event.isBase64Encoded,
        });
        logger.appendKeys({ sessionID: grab.sessionID, orderNo: grab.orderNo });
        const result = await acceptGrab(grab, deps);
        metrics.addMetric(STATUS_METRIC[result.status], MetricUnit.Count, 1);
        if (result.status === 'duplicate' && result.orderNoDiffers)
          metrics.addMetric(METRIC.GrabOrderMismatch, MetricUnit.Count, 1);
        logger.info('grab accepted', { ...result });
        return grabResponse(GrabReplyCode.ok, '');
      })
  );
}

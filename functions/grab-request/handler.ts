import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics } from '#adapters/observability.ts';
import { METRIC } from '#core/metric-names.ts';
import { parseGrabRequest } from '#core/protocol/grab-request.ts';
import { GrabReplyCode } from '#core/protocol/reply-codes.ts';
import { acceptGrab } from '#core/use-cases/accept-grab.ts';
import { grabRequestDeps } from '#functions/composition/grab-request.ts';
import { grabErrorReplies, grabResponse } from '#functions/edge/grab-reply.ts';
import { headerOf } from '#functions/edge/http-event.ts';

const STATUS_METRIC = {
  queued: METRIC.GrabQueued,
  duplicate: METRIC.GrabDuplicate,
  requeued: METRIC.GrabRequeued,
} as const;

/** POST /platDataOpen: customs' grab. Reply at once; the upload happens from the queue. */
const deps = grabRequestDeps();

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
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
  });

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MalformedGrabError } from '#core/errors.ts';
import { METRIC } from '#core/metric-names.ts';
import { GrabReplyCode, grabReply } from '#core/protocol/reply-codes.ts';
import type { EdgeObservability } from './observability.ts';

/** customs' grab reply `{code, message, serviceTime}`: always HTTP 200, the outcome is in `code`. */
export function grabResponse(code: string, message: string, now = Date.now()): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(grabReply(code, message, now)),
  };
}

export const NOT_ACCEPTED_MESSAGE =
  '暂时无法受理, 请重新发送 (temporarily unable to accept the grab; please send it again)';

/** platDataOpen's onError: every failure becomes a grab reply customs can act on. */
export function grabErrorReplies({
  logger,
  metrics,
}: EdgeObservability): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const e = request.error;
      if (e instanceof MalformedGrabError) {
        metrics.addMetric(METRIC.GrabMalformed, MetricUnit.Count, 1);
        logger.warn('malformed grab refused', { code: e.code, reason: e.message });
        request.response = grabResponse(e.code, e.message);
        return;
      }
      // Our side failed (storage, queue): tell customs to send the grab again rather than lose it.
      metrics.addMetric(METRIC.GrabNotAccepted, MetricUnit.Count, 1);
      logger.error('grab not accepted', { error: e ?? undefined });
      request.response = grabResponse(GrabReplyCode.notAccepted, NOT_ACCEPTED_MESSAGE);
    },
  };
}

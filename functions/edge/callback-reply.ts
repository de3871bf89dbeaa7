import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  CallbackForbiddenError,
  CallbackRejectedError,
  CallbackUnauthorizedError,
} from '#core/clearance/errors.ts';
import {
  type CallbackCode,
  callbackReply,
  httpStatusOf,
  renderReply,
  replyFormatOf,
} from '#core/clearance/reply.ts';
import { METRIC } from '#core/metric-names.ts';
import { bodyBytes, headerOf } from './http-event.ts';
import type { EdgeObservability } from './observability.ts';

/** The clearance callback's reply, in the format the caller used (XML to XML senders, else JSON). */
export function callbackResponse(
  event: Pick<APIGatewayProxyEvent, 'headers' | 'body' | 'isBase64Encoded'>,
  code: CallbackCode,
  info: string,
): APIGatewayProxyResult {
  const format = replyFormatOf(
    headerOf(event, 'content-type'),
    bodyBytes(event).subarray(0, 64).toString('utf8'),
  );
  const { contentType, body } = renderReply(callbackReply(code, info), format);
  return { statusCode: httpStatusOf(code), headers: { 'content-type': contentType }, body };
}

export const SYSTEM_ERROR_MESSAGE = 'temporarily unable to record the callback; please send it again';

/** The clearance callback's onError: refusals get their own code, our failures SYSTEM_ERROR (send again). */
export function callbackErrorReplies({
  logger,
  metrics,
}: EdgeObservability): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const e = request.error;
      if (e instanceof CallbackUnauthorizedError) {
        metrics.addMetric(METRIC.ClearanceCallbackRefused, MetricUnit.Count, 1);
        // The reason stays in the log: a caller that failed the signature check learns only its code.
        logger.warn('clearance callback refused', { reason: e.reason, partner: e.partner });
        request.response = callbackResponse(request.event, e.code, e.message);
        return;
      }
      if (e instanceof CallbackForbiddenError) {
        metrics.addMetric(METRIC.ClearanceCallbackRefused, MetricUnit.Count, 1);
        logger.warn('clearance callback out of the partner’s scope', {
          partner: e.partner,
          reason: e.message,
        });
        request.response = callbackResponse(request.event, e.code, e.message);
        return;
      }
      if (e instanceof CallbackRejectedError) {
        metrics.addMetric(METRIC.ClearanceCallbackInvalid, MetricUnit.Count, 1);
        logger.warn('clearance callback invalid', { code: e.code, reason: e.message });
        request.response = callbackResponse(request.event, e.code, e.message);
        return;
      }
      metrics.addMetric(METRIC.ClearanceCallbackFailed, MetricUnit.Count, 1);
      logger.error('clearance callback not recorded', { error: e ?? undefined });
      request.response = callbackResponse(request.event, 'SYSTEM_ERROR', SYSTEM_ERROR_MESSAGE);
    },
  };
}

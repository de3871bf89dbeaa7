import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
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
import { isTopRequest } from '#core/clearance/top-notice.ts';
import { renderTopReply, topFormatOf } from '#core/clearance/top-reply.ts';
import { METRIC } from '#core/metric-names.ts';
import type { ClearanceCallback } from '#core/use-cases/record-clearance.ts';
import { formParams } from './form-params.ts';
import { bodyBytes, headerOf } from './http-event.ts';
import type { EdgeObservability } from './observability.ts';

type CallbackEvent = Pick<
  APIGatewayProxyEvent,
  'headers' | 'body' | 'isBase64Encoded' | 'queryStringParameters'
>;

/** Each event read once: the handler and, on failure, the error reply both need its parameters. */
const requests = new WeakMap<object, Promise<ClearanceCallback>>();

/** The callback as the use case takes it: headers, the exact body bytes, and TOP's parameters. */
export function callbackRequest(event: CallbackEvent, maxBodyBytes: number): Promise<ClearanceCallback> {
  let request = requests.get(event);
  if (!request) {
    request = formParams(event, maxBodyBytes).then((params) => ({
      headers: event.headers ?? {},
      contentType: headerOf(event, 'content-type'),
      body: bodyBytes(event),
      params,
    }));
    requests.set(event, request);
  }
  return request;
}

/**
 * The clearance callback's reply in the caller's own style: TOP's envelope (HTTP 200, JSON or XML as
 * `format` asks) to a TOP-style caller; else ours, XML to XML senders and JSON to the rest.
 */
export async function callbackResponse(
  event: CallbackEvent,
  code: CallbackCode,
  info: string,
  requestId: string,
): Promise<APIGatewayProxyResult> {
  const params = await requests.get(event)?.then(
    (r) => r.params,
    () => undefined,
  );
  const topStyle = params
    ? isTopRequest(event.headers ?? {}, params)
    : /^\s*multipart\/form-data/i.test(headerOf(event, 'content-type') ?? '');
  if (topStyle) {
    const { contentType, body } = renderTopReply(code, info, requestId, topFormatOf(params?.format));
    return { statusCode: 200, headers: { 'content-type': contentType }, body };
  }
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
}: EdgeObservability): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return {
    onError: async (request) => {
      const e = request.error;
      const reply = (code: CallbackCode, info: string) =>
        callbackResponse(request.event, code, info, request.context.awsRequestId);
      if (e instanceof CallbackUnauthorizedError) {
        metrics.addMetric(METRIC.ClearanceCallbackRefused, MetricUnit.Count, 1);
        // The reason stays in the log: a caller that failed the signature check learns only its code.
        logger.warn('clearance callback refused', { reason: e.reason, partner: e.partner });
        request.response = await reply(e.code, e.message);
        return;
      }
      if (e instanceof CallbackForbiddenError) {
        metrics.addMetric(METRIC.ClearanceCallbackRefused, MetricUnit.Count, 1);
        logger.warn('clearance callback out of the partner’s scope', {
          partner: e.partner,
          reason: e.message,
        });
        request.response = await reply(e.code, e.message);
        return;
      }
      if (e instanceof CallbackRejectedError) {
        metrics.addMetric(METRIC.ClearanceCallbackInvalid, MetricUnit.Count, 1);
        logger.warn('clearance callback invalid', { code: e.code, reason: e.message });
        request.response = await reply(e.code, e.message);
        return;
      }
      metrics.addMetric(METRIC.ClearanceCallbackFailed, MetricUnit.Count, 1);
      logger.error('clearance callback not recorded', { error: e ?? undefined });
      request.response = await reply('SYSTEM_ERROR', SYSTEM_ERROR_MESSAGE);
    },
  };
}

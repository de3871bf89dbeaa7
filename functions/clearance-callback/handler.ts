import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics } from '#adapters/observability.ts';
import { recordClearance } from '#core/use-cases/record-clearance.ts';
import { clearanceCallbackDeps } from '#functions/composition/clearance-callback.ts';
import { callbackErrorReplies, callbackResponse } from '#functions/edge/callback-reply.ts';
import { bodyBytes, headerOf } from '#functions/edge/http-event.ts';
import { countRecorded, describeRecorded } from './recorded.ts';

/** POST /clearance/callback: clearance notices and customs receipts from the partners, HMAC-signed. */
const deps = clearanceCallbackDeps();

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(callbackErrorReplies({ logger, metrics }))
  .handler(async (event) => {
    // The exact bytes: they are what the partner signed.
    const request = {
      headers: event.headers ?? {},
      contentType: headerOf(event, 'content-type'),
      body: bodyBytes(event),
    };
    const result = await recordClearance(request, deps);
    countRecorded(result, metrics);
    logger.info('clearance callback recorded', { ...result });
    return callbackResponse(event, 'SUCCESS', describeRecorded(result));
  });

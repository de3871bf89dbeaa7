import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger, metrics } from '#adapters/observability.ts';
import { recordClearance } from '#core/use-cases/record-clearance.ts';
import { clearanceCallbackDeps } from '#functions/composition/clearance-callback.ts';
import { callbackErrorReplies, callbackRequest, callbackResponse } from '#functions/edge/callback-reply.ts';
import { countRecorded, describeRecorded } from './recorded.ts';

/**
 * POST /clearance/callback: clearance notices and customs messages from the partners, signed with our
 * HMAC headers, or TOP-style notices signed by TOP's rules.
 */
const deps = clearanceCallbackDeps();

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(callbackErrorReplies({ logger, metrics }))
  .handler(async (event, context) => {
    const request = await callbackRequest(event, deps.settings.maxBodyBytes);
    const result = await recordClearance(request, deps);
    countRecorded(result, metrics);
    logger.info('clearance callback recorded', { ...result });
    return callbackResponse(event, 'SUCCESS', describeRecorded(result), context.awsRequestId);
  });

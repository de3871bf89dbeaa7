import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger } from '#adapters/observability.ts';
import { takePayments } from '#core/use-cases/take-payments.ts';
import { paymentIntakeDeps } from '#functions/composition/payment-intake.ts';
import { bodyBytes } from '#functions/edge/http-event.ts';
import { jsonErrorReplies, jsonResponse } from '#functions/edge/json-reply.ts';

/**
 * POST /payments (IAM-authorized): the platform's order system stores payments as they happen, one
 * (JSON) or many (NDJSON) per request. 200 when every line is stored (or already was), 422 when some
 * line is rejected (the others are stored), 400 when the body cannot be read at all.
 */
const deps = paymentIntakeDeps();

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(jsonErrorReplies({ logger }))
  .handler(async (event) => {
    const result = await takePayments(bodyBytes(event).toString('utf8'), deps);
    // Counts only: a rejected line's rule may quote nothing, but its line could hold an account number.
    const { results: _results, ...counts } = result;
    logger.info('payments taken', { ...counts });
    return jsonResponse(result.rejected > 0 ? 422 : 200, result);
  });

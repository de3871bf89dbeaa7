import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as v from 'valibot';
import { logger } from '#adapters/observability.ts';
import { ValidationError } from '#core/errors.ts';
import { trimmedOrderNo } from '#core/protocol/field-rules.ts';
import { orderStatus } from '#core/use-cases/order-status.ts';
import { orderStatusDeps } from '#functions/composition/order-status.ts';
import { jsonErrorReplies, jsonResponse } from '#functions/edge/json-reply.ts';

/**
 * GET /orders/{orderNo}/status (internal, IAM-authorized): the order's grab sessions, payment,
 * clearance timeline and current clearance state, as `ceb-grab status --json` prints them.
 */
const deps = orderStatusDeps();

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger))
  .use(jsonErrorReplies({ logger }))
  .handler(async (event) => {
    const parsed = v.safeParse(trimmedOrderNo(), event.pathParameters?.orderNo);
    if (!parsed.success) throw new ValidationError('orderNo must be 1 to 60 characters');
    const orderNo = parsed.output;
    const status = await orderStatus(orderNo, deps);
    if (!status) return jsonResponse(404, { message: `nothing is known of order ${orderNo}` });
    return jsonResponse(200, status);
  });

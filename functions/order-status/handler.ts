import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { logger } from '#adapters/observability.ts';
import { orderStatus } from '#core/use-cases/order-status.ts';
import { orderStatusDeps } from '#functions/composition/order-status.ts';

/**
 * GET /orders/{orderNo}/status (internal, IAM-authorized): the order's grab sessions, payment,
 * clearance timeline and current clearance state, as `ceb-grab status --json` prints them.
 */
const deps = orderStatusDeps();

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const orderNo = event.pathParameters?.orderNo?.trim() ?? '';
    if (orderNo === '' || [...orderNo].length > 60 || /\p{Cc}/u.test(orderNo)) {
      return json(400, { message: 'orderNo must be 1 to 60 characters' });
    }
    const status = await orderStatus(orderNo, deps);
    if (!status) return json(404, { message: `nothing is known of order ${orderNo}` });
    return json(200, status);
  });

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

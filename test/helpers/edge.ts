import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { captureOutput } from './log-capture.ts';

/** A logger and metrics of their own, so a mapper's test reads exactly what it wrote. */
export const edgeObservability = () => ({
  logger: new Logger({ serviceName: 'edge-test' }),
  metrics: new Metrics({ namespace: 'EdgeTest', serviceName: 'edge-test' }),
});

/** An API Gateway event with just what the mappers read. */
export const apiEvent = (over: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent =>
  ({ headers: {}, body: null, isBase64Encoded: false, ...over }) as APIGatewayProxyEvent;

/** What a caller gets when a middy handler with this onError throws `error`, and what was logged. */
export async function replyWhenThrown(
  mapper: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>,
  error: unknown,
  event: APIGatewayProxyEvent = apiEvent(),
): Promise<{ reply: APIGatewayProxyResult; logs: string }> {
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(mapper)
    .handler(async () => {
      throw error;
    });
  const capture = captureOutput();
  try {
    const reply = await handler(event, {} as Context);
    return { reply, logs: capture.text() };
  } finally {
    capture.stop();
  }
}

import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ValidationError } from '#core/errors.ts';

/** A JSON reply of the internal API (order status). */
export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  };
}

export const INTERNAL_ERROR_MESSAGE = 'internal error; try again later';

/** The internal JSON API's onError: a bad request is a 400 with its reason; anything else a bare 500. */
export function jsonErrorReplies({
  logger,
}: {
  readonly logger: Logger;
}): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const e = request.error;
      if (e instanceof ValidationError) {
        request.response = jsonResponse(400, { message: e.message });
        return;
      }
      // The details (AWS error text, stack) go to the log, never to the caller.
      logger.error('request failed', { error: e ?? undefined });
      request.response = jsonResponse(500, { message: INTERNAL_ERROR_MESSAGE });
    },
  };
}

import type { APIGatewayProxyEvent } from 'aws-lambda';

/** A request header by name: HTTP names are case-insensitive, API Gateway passes them as sent. */
export function headerOf(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === wanted)?.[1];
}

/** The body's exact bytes, decoded from base64 when API Gateway encoded them. */
export function bodyBytes(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): Buffer {
  return Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
}

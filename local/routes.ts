import type { Route } from './api-server.ts';

/**
 * The API Gateway routes of the local stack and the Lambda entry behind each, imported only after
 * the environment is set (a handler reads its configuration once, when its module loads).
 */
export async function localRoutes(): Promise<Route[]> {
  const grabRequest = await import('#functions/grab-request/handler.ts');
  return [
    { method: 'POST', resource: '/platDataOpen', functionName: 'grab-request', handler: grabRequest.handler },
  ];
}

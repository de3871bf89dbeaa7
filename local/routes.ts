import type { Route } from './api-server.ts';

/**
 * The API Gateway routes of the local stack and the Lambda entry behind each, imported only after
 * the environment is set (a handler reads its configuration once, when its module loads).
 */
export async function localRoutes(): Promise<Route[]> {
  const grabRequest = await import('#functions/grab-request/handler.ts');
  const clearanceCallback = await import('#functions/clearance-callback/handler.ts');
  const orderStatus = await import('#functions/order-status/handler.ts');
  const paymentIntake = await import('#functions/payment-intake/handler.ts');
  return [
    { method: 'POST', resource: '/platDataOpen', functionName: 'grab-request', handler: grabRequest.handler },
    {
      method: 'POST',
      resource: '/clearance/callback',
      functionName: 'clearance-callback',
      handler: clearanceCallback.handler,
    },
    {
      method: 'GET',
      resource: '/orders/{orderNo}/status',
      functionName: 'order-status',
      handler: orderStatus.handler,
    },
    { method: 'POST', resource: '/payments', functionName: 'payment-intake', handler: paymentIntake.handler },
  ];
}

import type { AcceptGrabDeps } from '#core/use-cases/accept-grab.ts';
import type { Route } from './api-server.ts';

export interface LocalRoutesOptions {
  /** Wrap grab-request's deps (the soak run injects a crash between the session write and the send). */
  readonly wrapGrabDeps?: ((deps: AcceptGrabDeps) => AcceptGrabDeps) | undefined;
}

/**
 * The API Gateway routes of the local stack, how each is authorized (as the CDK API's
 * authorizationType: test/cdk/openapi-routes.test.ts keeps them equal) and the Lambda entry behind
 * each, imported only after the environment is set (a handler reads its configuration once, when
 * its module loads).
 */
export async function localRoutes(opts: LocalRoutesOptions = {}): Promise<Route[]> {
  const grabRequest = await grabRequestHandler(opts.wrapGrabDeps);
  const clearanceCallback = await import('#functions/clearance-callback/handler.ts');
  const orderStatus = await import('#functions/order-status/handler.ts');
  const paymentIntake = await import('#functions/payment-intake/handler.ts');
  return [
    // Open to customs' source ranges (the resource policy), no credentials of ours.
    {
      method: 'POST',
      resource: '/platDataOpen',
      auth: 'none',
      functionName: 'grab-request',
      handler: grabRequest,
    },
    {
      method: 'POST',
      resource: '/clearance/callback',
      auth: 'none', // HMAC-signed by the partner, checked in the function
      functionName: 'clearance-callback',
      handler: clearanceCallback.handler,
    },
    {
      method: 'GET',
      resource: '/orders/{orderNo}/status',
      auth: 'iam',
      functionName: 'order-status',
      handler: orderStatus.handler,
    },
    {
      method: 'POST',
      resource: '/payments',
      auth: 'iam',
      functionName: 'payment-intake',
      handler: paymentIntake.handler,
    },
  ];
}

async function grabRequestHandler(wrap: LocalRoutesOptions['wrapGrabDeps']) {
  if (!wrap) return (await import('#functions/grab-request/handler.ts')).handler;
  const { createGrabRequestHandler } = await import('#functions/grab-request/grab-request.ts');
  const { grabRequestDeps } = await import('#functions/composition/grab-request.ts');
  return createGrabRequestHandler(wrap(grabRequestDeps()));
}

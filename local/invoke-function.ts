import { lambdaContext } from './lambda-context.ts';

/** The Lambda entries `ceb-grab invoke` can run, by function name. */
const FUNCTIONS: Record<
  string,
  () => Promise<{ handler: (event: never, context: never) => Promise<unknown> }>
> = {
  'grab-request': () => import('#functions/grab-request/handler.ts'),
  'upload-worker': () => import('#functions/upload-worker/handler.ts'),
  'clearance-callback': () => import('#functions/clearance-callback/handler.ts'),
  'order-status': () => import('#functions/order-status/handler.ts'),
  'sweep-sessions': () => import('#functions/sweep-sessions/handler.ts'),
};

export const INVOKABLE = Object.keys(FUNCTIONS);

/**
 * Run one Lambda handler in this process on one event, as the Lambda runtime would: the function
 * gets its environment first (the target stack's settings over this process's), then its module
 * loads and reads it once through its composition root.
 */
export async function invokeFunction(
  name: string,
  event: unknown,
  functionEnv: NodeJS.ProcessEnv = {},
): Promise<unknown> {
  const load = FUNCTIONS[name];
  if (!load) throw new Error(`unknown function ${name}: one of ${INVOKABLE.join(', ')}`);
  Object.assign(process.env, functionEnv);
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  if (name === 'upload-worker' && !process.env.SOFT_SIGNER_KEY && !process.env.SOFT_SIGNER_SECRET_ID) {
    throw new Error('the worker signs: set SOFT_SIGNER_KEY and SOFT_SIGNER_CERT (PEM files) to invoke it');
  }
  const { handler } = await load();
  return handler(event as never, lambdaContext(name) as never);
}

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { fail, useTarget } from '#cli/target.ts';
import { lambdaContext } from '#local/lambda-context.ts';

/** The Lambda entries `invoke` can run, by function name. */
const FUNCTIONS: Record<
  string,
  () => Promise<{ handler: (event: never, context: never) => Promise<unknown> }>
> = {
  'grab-request': () => import('#functions/grab-request/handler.ts'),
  'upload-worker': () => import('#functions/upload-worker/handler.ts'),
  'clearance-callback': () => import('#functions/clearance-callback/handler.ts'),
  'order-status': () => import('#functions/order-status/handler.ts'),
};

/** `ceb-grab invoke <function> <event.json>`: one handler, one event, against the running local stack. */
export function registerInvoke(program: Command): void {
  program
    .command('invoke')
    .description(
      `run one Lambda handler on one event file against the local stack (${Object.keys(FUNCTIONS).join(', ')})`,
    )
    .argument('<function>', 'the function name')
    .argument('<event>', 'an event JSON file, e.g. events/grab-request/form-openreq.json')
    .action(async (name: string, eventFile: string) => {
      try {
        const load = FUNCTIONS[name];
        if (!load) throw new Error(`unknown function ${name}: one of ${Object.keys(FUNCTIONS).join(', ')}`);
        const event = JSON.parse(await readFile(eventFile, 'utf8')) as never;
        useTarget(['SESSIONS_TABLE', 'PAYMENTS_TABLE', 'GRAB_QUEUE_URL']);
        process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
        if (name === 'upload-worker' && !process.env.SOFT_SIGNER_KEY && !process.env.SOFT_SIGNER_SECRET_ID) {
          throw new Error(
            'the worker signs: set SOFT_SIGNER_KEY and SOFT_SIGNER_CERT (PEM files) to invoke it',
          );
        }
        const { handler } = await load();
        const result = await handler(event, lambdaContext(name) as never);
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } catch (e) {
        fail((e as Error).message, 1);
      }
    });
}

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { fail, resolveTarget } from '#cli/target.ts';
import { INVOKABLE, invokeFunction } from '#local/invoke-function.ts';

/** `ceb-grab invoke <function> <event.json>`: one handler, one event, against the running local stack. */
export function registerInvoke(program: Command): void {
  program
    .command('invoke')
    .description(`run one Lambda handler on one event file against the local stack (${INVOKABLE.join(', ')})`)
    .argument('<function>', 'the function name')
    .argument('<event>', 'an event JSON file, e.g. events/grab-request/form-openreq.json')
    .action(async (name: string, eventFile: string) => {
      try {
        if (!INVOKABLE.includes(name)) {
          throw new Error(`unknown function ${name}: one of ${INVOKABLE.join(', ')}`);
        }
        const event: unknown = JSON.parse(await readFile(eventFile, 'utf8'));
        const target = resolveTarget(['SESSIONS_TABLE', 'PAYMENTS_TABLE', 'GRAB_QUEUE_URL']);
        const result = await invokeFunction(name, event, target.env ?? {});
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } catch (e) {
        fail((e as Error).message, 1);
      }
    });
}

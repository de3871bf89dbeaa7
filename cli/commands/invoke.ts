import { readFile } from 'node:fs/promises';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Command } from 'commander';
import { fail, resolveTarget } from '#cli/target.ts';
import { INVOKABLE, invokeFunction } from '#local/invoke-function.ts';
import { resignCallbackEvent } from '#local/resign-callback.ts';

/** `ceb-grab invoke <function> <event.json>`: one handler, one event, against the running local stack. */
export function registerInvoke(program: Command): void {
  program
    .command('invoke')
    .description(`run one Lambda handler on one event file against the local stack (${INVOKABLE.join(', ')})`)
    .argument('<function>', 'the function name')
    .argument('<event>', 'an event JSON file, e.g. events/grab-request/form-openreq.json')
    .option(
      '--as-is',
      "clearance-callback: send the fixture's own signature headers (e.g. to watch a stale or bad one refused)",
    )
    .action(async (name: string, eventFile: string, opts: { asIs?: boolean }) => {
      try {
        if (!INVOKABLE.includes(name)) {
          throw new Error(`unknown function ${name}: one of ${INVOKABLE.join(', ')}`);
        }
        let event: unknown = JSON.parse(await readFile(eventFile, 'utf8'));
        const target = await resolveTarget(['SESSIONS_TABLE', 'PAYMENTS_TABLE', 'GRAB_QUEUE_URL']);
        const secrets = target.env?.CALLBACK_PARTNER_SECRETS ?? process.env.CALLBACK_PARTNER_SECRETS;
        if (name === 'clearance-callback' && !opts.asIs) {
          if (!secrets)
            throw new Error('no CALLBACK_PARTNER_SECRETS to sign the callback with (or use --as-is)');
          // Signed now, with the stack's own partner secret: fixtures carry a fixed, long-stale time.
          event = resignCallbackEvent(event as APIGatewayProxyEvent, secrets);
        }
        const result = await invokeFunction(name, event, target.env ?? {});
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } catch (e) {
        fail((e as Error).message, 1);
      }
    });
}

import type { Command } from 'commander';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { failWith, operatorFor, resolveTarget } from '#cli/target.ts';
import { REPLAYABLE, replaySessions } from '#core/use-cases/replay-sessions.ts';

/** `ceb-grab replay <sessionID...>`: upload sessions again after their payment data was fixed. */
export function registerReplay(program: Command): void {
  operatorCommand(program, 'replay')
    .description(
      `queue sessions again (${REPLAYABLE.join(', ')}), rebuilding the upload from the payment data as it is now`,
    )
    .argument('<sessionIDs...>', 'the sessions to replay')
    .option('--json', 'print JSON: one {sessionID, replayed, reason?} per session')
    .action(async (sessionIDs: string[], opts: StackOptions & { json?: boolean }) => {
      try {
        const operator = await operatorFor(await resolveTarget(['SESSIONS_TABLE', 'GRAB_QUEUE_URL'], opts));
        const results = await replaySessions(sessionIDs, operator.replay());
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
          if (results.some((r) => !r.replayed)) process.exitCode = 1;
          return;
        }
        for (const r of results) {
          process.stdout.write(
            r.replayed ? `${r.sessionID}: queued again\n` : `${r.sessionID}: not replayed: ${r.reason}\n`,
          );
        }
        const replayed = results.filter((r) => r.replayed).length;
        process.stdout.write(`${replayed} of ${results.length} sessions queued again\n`);
        if (replayed < results.length) process.exitCode = 1;
      } catch (e) {
        failWith(e);
      }
    });
}

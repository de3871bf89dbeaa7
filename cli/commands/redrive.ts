import type { Command } from 'commander';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { failWith, operatorFor, resolveTarget } from '#cli/target.ts';
import { redriveDeadLetters } from '#core/use-cases/redrive-dead-letters.ts';

/** `ceb-grab redrive`: move the grab DLQ's messages back to the grab queue and say what moved. */
export function registerRedrive(program: Command): void {
  operatorCommand(program, 'redrive')
    .description('move grab messages from the dead-letter queue back to the grab queue (safe to run twice)')
    .option('--json', 'print JSON: {moved: [...], kept: [...]}')
    .action(async (opts: StackOptions & { json?: boolean }) => {
      try {
        const operator = await operatorFor(await resolveTarget(['GRAB_QUEUE_URL', 'GRAB_DLQ_URL'], opts));
        const report = await redriveDeadLetters(operator.redrive());
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          if (report.kept.length > 0) process.exitCode = 1;
          return;
        }
        for (const m of report.moved) process.stdout.write(`moved ${m.sessionID} (order ${m.orderNo})\n`);
        for (const k of report.kept) process.stdout.write(`kept ${k.messageId} in the DLQ: ${k.reason}\n`);
        process.stdout.write(
          `${report.moved.length} message(s) moved back to the grab queue, ${report.kept.length} kept\n`,
        );
        if (report.kept.length > 0) process.exitCode = 1;
      } catch (e) {
        failWith(e);
      }
    });
}

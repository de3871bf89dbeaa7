import type { Command } from 'commander';
import { fail, useTarget } from '#cli/target.ts';
import { redriveDeadLetters } from '#core/use-cases/redrive-dead-letters.ts';

/** `ceb-grab redrive`: move the grab DLQ's messages back to the grab queue and say what moved. */
export function registerRedrive(program: Command): void {
  program
    .command('redrive')
    .description('move grab messages from the dead-letter queue back to the grab queue (safe to run twice)')
    .action(async () => {
      try {
        useTarget(['GRAB_QUEUE_URL', 'GRAB_DLQ_URL']);
        const { SqsGrabQueue, sqsClient } = await import('#adapters/sqs/grab-queue.ts');
        const { SqsDeadLetterQueue } = await import('#adapters/sqs/dead-letter-queue.ts');
        const sqs = sqsClient();
        const report = await redriveDeadLetters({
          dlq: new SqsDeadLetterQueue(sqs, process.env.GRAB_DLQ_URL ?? ''),
          queue: new SqsGrabQueue(sqs, process.env.GRAB_QUEUE_URL ?? ''),
        });
        for (const m of report.moved) process.stdout.write(`moved ${m.sessionID} (order ${m.orderNo})\n`);
        for (const k of report.kept) process.stdout.write(`kept ${k.messageId} in the DLQ: ${k.reason}\n`);
        process.stdout.write(
          `${report.moved.length} message(s) moved back to the grab queue, ${report.kept.length} kept\n`,
        );
        if (report.kept.length > 0) process.exitCode = 1;
      } catch (e) {
        fail((e as Error).message);
      }
    });
}

import type { Command } from 'commander';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { failWith, operatorFor, resolveTarget } from '#cli/target.ts';
import { meaningOf } from '#core/clearance/event.ts';

/**
 * `ceb-grab clearance --unlinked`: customs' inventory receipts (CEB622) that wait for the link from
 * their copNo to an order (a forwarded CEB621, the payment data's copNo, or a returnInfo naming the
 * order). Once the link arrives they join the order's timeline by themselves.
 */
export function registerClearance(program: Command): void {
  operatorCommand(program, 'clearance')
    .description('clearance records an operator looks after')
    .requiredOption('--unlinked', 'list inventory receipts waiting for the link from their copNo to an order')
    .option('--json', 'print JSON')
    .action(async (opts: StackOptions & { json?: boolean }) => {
      try {
        const operator = await operatorFor(await resolveTarget(['CLEARANCE_TABLE'], opts));
        const waiting = await operator.clearance().unlinked();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(waiting, null, 2)}\n`);
          return;
        }
        for (const { copNo, events } of waiting) {
          process.stdout.write(`copNo ${copNo}: ${events.length} receipt(s), no order linked yet\n`);
          for (const e of events.sort((a, b) => a.eventAt - b.eventAt)) {
            const m = meaningOf(e);
            const refs = [
              e.refs.invtNo && `invtNo ${e.refs.invtNo}`,
              e.refs.ebpCode && `ebpCode ${e.refs.ebpCode}`,
            ]
              .filter(Boolean)
              .join(', ');
            process.stdout.write(
              `    ${e.eventTime ?? new Date(e.eventAt).toISOString()}  ${e.source} ${m.code} ${m.state}  ${e.info ?? ''}  (${[refs, e.partner].filter(Boolean).join(', ')})\n`,
            );
          }
        }
        process.stdout.write(
          waiting.length === 0
            ? 'no inventory receipt waits for its order\n'
            : `${waiting.length} inventor${waiting.length === 1 ? 'y waits' : 'ies wait'} for a link: forward its CEB621, or load its copNo with the payment data\n`,
        );
      } catch (e) {
        failWith(e);
      }
    });
}

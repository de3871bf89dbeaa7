import type { Command } from 'commander';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { failWith, operatorFor, resolveTarget } from '#cli/target.ts';

/**
 * `ceb-grab signer-reset`: the operator checked the PIN at the signing proxy; the workers may
 * present the card once more (one probe). Held signatures wait in `retrying` until then.
 */
export function registerSignerReset(program: Command): void {
  operatorCommand(program, 'signer-reset')
    .description(
      'after SIGNER_SUSPECT_PIN: the PIN at the signing proxy is checked, let the workers present the card once more',
    )
    .option('--url <HSM_PROXY_URL>', 'only the signer at this URL (default: every signer held)')
    .action(async (opts: StackOptions & { url?: string }) => {
      try {
        const operator = await operatorFor(await resolveTarget(['CERTIFICATES_TABLE'], opts));
        const store = operator.pinHolds();
        const held = (await store.list()).filter((h) => opts.url === undefined || h.signerId === opts.url);
        if (held.length === 0) {
          process.stdout.write('no signer is holding its card: nothing to reset\n');
          return;
        }
        const now = Date.now();
        for (const { signerId, hold } of held) {
          await store.clear(signerId, now);
          process.stdout.write(
            `${signerId}: held since ${new Date(hold.heldAt).toISOString()} (${hold.reason}); the next signature presents the card once\n`,
          );
        }
      } catch (e) {
        failWith(e);
      }
    });
}

import Table from 'cli-table3';
import type { Command } from 'commander';
import { fail, operatorFor, resolveTarget } from '#cli/target.ts';
import { parseDuration } from '#core/duration.ts';
import { SESSION_STATES, type SessionState } from '#core/session.ts';

/** `ceb-grab sessions --state failed --since 1h`: what needs attention. */
export function registerSessions(program: Command): void {
  program
    .command('sessions')
    .description('list grab sessions in a state, most recent first (e.g. what failed in the last hour)')
    .option('--state <state>', `one of ${SESSION_STATES.join(', ')}`, 'failed')
    .option('--since <duration>', 'only those updated within this long, e.g. 90s, 15m, 1h, 2d', '1h')
    .option('--json', 'print JSON')
    .action(async (opts: { state: string; since: string; json?: boolean }) => {
      try {
        if (!(SESSION_STATES as readonly string[]).includes(opts.state)) {
          throw new Error(`--state must be one of ${SESSION_STATES.join(', ')}`);
        }
        const sinceMs = parseDuration(opts.since);
        if (sinceMs === undefined)
          throw new Error(`--since must be a duration like 90s, 15m, 1h or 2d, not ${opts.since}`);
        const store = (await operatorFor(resolveTarget(['SESSIONS_TABLE']))).sessions();
        const found = (await store.listByState(opts.state as SessionState, Date.now() - sinceMs)).sort(
          (a, b) => b.updatedAt - a.updatedAt,
        );
        if (opts.json) {
          const view = found.map(({ payExInfoStr: _omitted, ...s }) => s);
          process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
          return;
        }
        const table = new Table({
          head: ['sessionID', 'orderNo', 'updated', 'tries', 'reason / customs reply'],
          style: { head: [], border: [] },
        });
        for (const s of found) {
          table.push([
            s.sessionID,
            s.orderNo,
            new Date(s.updatedAt).toISOString(),
            String(s.attempts),
            (s.error ?? (s.customsCode ? `${s.customsCode} ${s.customsMessage ?? ''}` : '')).slice(0, 70),
          ]);
        }
        process.stdout.write(`${found.length} session(s) ${opts.state} in the last ${opts.since}\n`);
        if (found.length > 0) process.stdout.write(`${table.toString()}\n`);
      } catch (e) {
        fail((e as Error).message);
      }
    });
}

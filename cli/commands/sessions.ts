import Table from 'cli-table3';
import type { Command } from 'commander';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { failWith, operatorFor, resolveTarget } from '#cli/target.ts';
import { parseDuration } from '#core/duration.ts';
import { SESSION_STATES, type SessionState } from '#core/session.ts';

/** `ceb-grab sessions --state failed --since 1h`: what needs attention. */
export function registerSessions(program: Command): void {
  operatorCommand(program, 'sessions')
    .description('list grab sessions in a state, most recent first (e.g. what failed in the last hour)')
    .option(
      '--state <states>',
      `one or more of ${SESSION_STATES.join(', ')}, comma-separated, or all`,
      'failed',
    )
    .option('--since <duration>', 'only those updated within this long, e.g. 90s, 15m, 1h, 2d', '1h')
    .option('--json', 'print JSON')
    .action(async (opts: StackOptions & { state: string; since: string; json?: boolean }) => {
      try {
        const states = parseStates(opts.state);
        const sinceMs = parseDuration(opts.since);
        if (sinceMs === undefined)
          throw new Error(`--since must be a duration like 90s, 15m, 1h or 2d, not ${opts.since}`);
        const store = (await operatorFor(await resolveTarget(['SESSIONS_TABLE'], opts))).sessions();
        const since = Date.now() - sinceMs;
        const found = (await Promise.all(states.map((state) => store.listByState(state, since))))
          .flat()
          .sort((a, b) => b.updatedAt - a.updatedAt);
        if (opts.json) {
          const view = found.map(({ payExInfoStr: _omitted, ...s }) => s);
          process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
          return;
        }
        const several = states.length > 1;
        const table = new Table({
          head: [
            'sessionID',
            'orderNo',
            ...(several ? ['state'] : []),
            'updated',
            'tries',
            'reason / customs reply',
          ],
          style: { head: [], border: [] },
          // Long reasons wrap in their column, never cut: the end of a reason is often the field at fault.
          colWidths: [null, null, ...(several ? [null] : []), null, null, REASON_WIDTH],
          wordWrap: true,
          wrapOnWordBoundary: false,
        });
        for (const s of found) {
          table.push([
            s.sessionID,
            s.orderNo,
            ...(several ? [s.state] : []),
            new Date(s.updatedAt).toISOString(),
            String(s.attempts),
            s.error ??
              (s.customsCode
                ? `${s.customsCode} ${s.customsMessage ?? ''}${s.inferred ? ' (inferred: accepted on an earlier try)' : ''}`
                : ''),
          ]);
        }
        const what = opts.state === 'all' ? 'in any state' : states.join(' or ');
        process.stdout.write(`${found.length} session(s) ${what} in the last ${opts.since}\n`);
        if (found.length > 0) process.stdout.write(`${table.toString()}\n`);
      } catch (e) {
        failWith(e);
      }
    });
}

/** The reason column's width: what a terminal leaves beside the other columns (at least 40); 100 in a pipe. */
const REASON_WIDTH = process.stdout.columns ? Math.max(40, process.stdout.columns - 100) : 100;

/** `failed`, `failed,no-data` or `all`: the states to list, each checked. */
export function parseStates(value: string): SessionState[] {
  if (value.trim() === 'all') return [...SESSION_STATES];
  const states = value.split(',').map((s) => s.trim());
  const unknown = states.filter((s) => !(SESSION_STATES as readonly string[]).includes(s));
  if (unknown.length > 0 || states.length === 0) {
    throw new Error(
      `--state takes ${SESSION_STATES.join(', ')} (several comma-separated) or all; not ${unknown.join(', ') || value}`,
    );
  }
  return [...new Set(states)] as SessionState[];
}

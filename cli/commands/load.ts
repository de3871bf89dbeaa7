import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { describeTarget, fail, operatorFor, resolveTarget, TargetError } from '#cli/target.ts';
import {
  checkPayments,
  LoadInterruptedError,
  type LoadPaymentsDeps,
  type LoadProgress,
  type LoadRejection,
  type LoadResult,
  loadPayments,
  type ReplayError,
} from '#core/use-cases/load-payments.ts';
import { paymentsConfig } from '#functions/config.ts';

/**
 * `ceb-grab load FILE.jsonl [--dry-run]`: payments, one JSON object per line, into the stage `--stage`
 * names, else the stack the environment names (PAYMENTS_TABLE, ...), else the local stack `npm start` runs.
 * stdout carries the report (rejected lines, summary); stderr the progress.
 * Exit codes: 0 every line loaded, 1 some line rejected (or a late grab not re-queued, or the stage not
 * reachable), 2 usage or I/O.
 */
export function registerLoad(program: Command): void {
  operatorCommand(program, 'load')
    .description(
      'load payments from a JSON Lines file (one payment per line); loading a file twice changes nothing',
    )
    .argument('<file>', 'payments, one JSON object per line')
    .option('--dry-run', 'check every line against the field rules, store nothing')
    .option('--json', 'print the result as JSON (counts, rejected lines with field and rule, replay errors)')
    .addHelpText(
      'after',
      '\nEach line: {ebpCode, payCode, payTransactionId, totalAmount, currency, verDept, payType, tradingTime,\n' +
        '  note, initalRequest, initalResponse, orders: [{orderNo, goodsInfo: [{gname, itemLink}], recpAccount,\n' +
        '  recpCode, recpName}]}. Example: events/payments.sample.jsonl.\n' +
        'Loads into the stage --stage names, else the stack named by PAYMENTS_TABLE, SESSIONS_TABLE and\n' +
        'GRAB_QUEUE_URL when set, else the local stack `npm start` runs.\n' +
        'Exit status: 0 all loaded, 1 some line rejected (or the stage not reachable), 2 usage or I/O error.',
    )
    .action(async (file: string, options: StackOptions & { dryRun?: boolean; json?: boolean }) => {
      process.exitCode = await runLoad(file, {
        ...options,
        dryRun: options.dryRun === true,
        json: options.json === true,
      });
    });
}

export async function runLoad(
  file: string,
  options: StackOptions & { dryRun: boolean; json?: boolean },
): Promise<number> {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch (error) {
    fail(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }

  let deps: LoadPaymentsDeps | undefined;
  let where = '';
  let close = () => {};
  if (!options.dryRun) {
    try {
      const target = await resolveTarget(['PAYMENTS_TABLE'], options);
      const operator = await operatorFor(target);
      deps = operator.load();
      close = () => operator.close();
      where = describeTarget(target) ?? `table ${paymentsConfig(target.env).PAYMENTS_TABLE}`;
    } catch (error) {
      const code = error instanceof TargetError ? 1 : 2;
      fail((error as Error).message, code);
      return code;
    }
  }

  const input = createReadStream(file, { encoding: 'utf8' });
  let bytesRead = 0;
  async function* lines() {
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      bytesRead += Buffer.byteLength(line) + 1;
      yield line;
    }
  }
  const progress = startProgress(size, () => bytesRead);

  let result: LoadResult;
  try {
    const onProgress = (p: LoadProgress) => {
      if (!options.json) {
        if (p.rejection) progress.print(formatRejection(p.rejection));
        for (const e of p.replayErrors) progress.print(formatReplayError(e));
      }
      progress.update(p);
    };
    result = deps
      ? await loadPayments(lines(), deps, { onProgress })
      : await checkPayments(lines(), { onProgress });
  } catch (error) {
    progress.stop();
    close();
    if (error instanceof LoadInterruptedError) {
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ file, dryRun: options.dryRun, interrupted: error.message, ...error.partial }, null, 2)}\n`
          : `${summary(file, where, error.partial, options.dryRun)}\n`,
      );
      fail(`${error.message}\nwhat was loaded before it is kept; run the same command again to finish`);
    } else {
      fail(`cannot load ${file}: ${(error as Error).message}`);
    }
    return 2;
  }
  progress.stop();
  close();

  const status = result.rejected > 0 || result.replayErrors.length > 0 ? 1 : 0;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ file, dryRun: options.dryRun, ...result }, null, 2)}\n`);
    return status;
  }
  process.stdout.write(`${summary(file, where, result, options.dryRun)}\n`);
  if (result.replayErrors.length > 0) {
    process.stdout.write(
      `${result.replayErrors.length} grab session(s) found no data earlier and could not be queued again: ` +
        `queue them with \`ceb-grab replay <sessionID...>\`\n`,
    );
  }
  return result.rejected > 0 || result.replayErrors.length > 0 ? 1 : 0;
}

/** `line N: <path>: <rule>`, one per broken field; a line that is not a payment at all has no path. */
export function formatRejection(r: LoadRejection): string {
  return r.issues
    .map((i) => (i.path === '(root)' ? `line ${r.line}: ${i.rule}` : `line ${r.line}: ${i.path}: ${i.rule}`))
    .join('\n');
}

function formatReplayError(e: ReplayError): string {
  return `line ${e.line}: order ${e.orderNo}${e.sessionID ? `, grab session ${e.sessionID}` : ''}: ${e.error}`;
}

function summary(file: string, where: string, r: LoadResult, dryRun: boolean): string {
  if (dryRun) {
    return `checked ${file}: ${r.lines} lines, ${r.valid} valid, ${r.rejected} rejected (dry run: nothing stored)`;
  }
  const replayed =
    r.replayed > 0 ? `; ${r.replayed} grab session(s) that came before their payment queued again` : '';
  return (
    `loaded ${file} into ${where}: ${r.lines} lines, ${r.created} created, ${r.updated} updated, ` +
    `${r.unchanged} unchanged, ${r.rejected} rejected${replayed}`
  );
}

interface ProgressView {
  update(p: LoadProgress): void;
  /** A report line (stdout), printed above the bar when there is one. */
  print(text: string): void;
  stop(): void;
}

/** A bar on a terminal; elsewhere (CI, pipes) a plain line every few seconds, so short loads stay quiet. */
function startProgress(totalBytes: number, bytesRead: () => number): ProgressView {
  if (!process.stderr.isTTY) {
    let last = Date.now();
    return {
      update(p) {
        if (Date.now() - last < 5000) return;
        last = Date.now();
        const c = p.counts;
        process.stderr.write(
          `... line ${p.line}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected\n`,
        );
      },
      print: (text) => process.stdout.write(`${text}\n`),
      stop() {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      format:
        'loading {bar} {percentage}% | line {line} | {created} created, {updated} updated, {unchanged} unchanged, {rejected} rejected',
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(Math.max(totalBytes, 1), 0, {
    line: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
  });
  // Report lines go to stdout; above the bar only when both share the terminal.
  const sameTerminal = process.stdout.isTTY === true;
  return {
    update(p) {
      bar.update(Math.min(bytesRead(), totalBytes), { line: p.line, ...p.counts });
    },
    print(text) {
      if (sameTerminal) bars.log(`${text}\n`);
      else process.stdout.write(`${text}\n`);
    },
    stop() {
      bar.update(totalBytes);
      bars.stop();
    },
  };
}

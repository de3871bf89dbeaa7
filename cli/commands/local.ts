import type { Command } from 'commander';
import { parsePort } from '#cli/options.ts';
import { fail } from '#cli/target.ts';

interface LocalOptions {
  once?: boolean;
  demo: boolean;
  port: number;
  customsUrl?: string;
  verbose?: boolean;
  provision: boolean;
}

/** `ceb-grab local` (= `npm start`): the whole product on loopback, with a demo of 20 grabs. */
export function registerLocal(program: Command): void {
  program
    .command('local')
    .description(
      'run the stack locally: moto (DynamoDB, SQS), the API on 127.0.0.1, the worker, and a customs simulator',
    )
    .option('--once', 'exit after the demo: 0 only if every grab was accepted')
    .option('--no-demo', 'only serve (no sample payments, no grabs)')
    .option('--port <n>', 'API port on 127.0.0.1 (0 = any free port)', parsePort, 3000)
    .option(
      '--customs-url <url>',
      'upload to this customs endpoint instead of the simulator (implies --no-demo)',
    )
    .option('--verbose', 'show the functions’ logs and metrics')
    .option(
      '--no-provision',
      'never install moto into the user cache when none is found (also CEB_GRAB_NO_PROVISION=1)',
    )
    .action(async (opts: LocalOptions) => {
      try {
        process.exitCode = await runLocal(opts);
      } catch (e) {
        fail((e as Error).message, 1);
      }
    });
}

async function runLocal(opts: LocalOptions): Promise<number> {
  const port = opts.port;
  const demo = opts.demo && !opts.customsUrl;
  const { LOCAL_CREDENTIALS, LOCAL_REGION, readStackFile, stackFilePath } = await import(
    '#local/stack-file.ts'
  );
  const running = readStackFile();
  if (running) {
    // Two stacks would share one stack file; the other terminals could no longer tell which is which.
    throw new Error(
      `a local stack is already running here (pid ${running.pid}, API ${running.apiUrl}; ${stackFilePath()}): ` +
        'use it, or stop it first (Ctrl-C in its terminal)',
    );
  }
  const { startLocalStack } = await import('#local/local-stack.ts');
  const out = process.stdout;
  out.write('starting the local stack (moto, API, worker, customs simulator)...\n');
  const stack = await startLocalStack({
    port,
    ...(opts.customsUrl ? { customsUrl: opts.customsUrl } : {}),
    writeStackFile: true,
    provisionMoto: opts.provision,
    logLevel: opts.verbose ? 'INFO' : 'WARN',
    onError: (e) => process.stderr.write(`worker poller: ${(e as Error).message}\n`),
  });
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    out.write('\nstopping: worker, API, simulator, moto...\n');
    await stack.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(130));
  process.once('SIGTERM', () => void shutdown(143));
  process.once('SIGHUP', () => void shutdown(129));
  // The parent's death (npm, a terminal, a test runner killed outright) sends no signal here: a child
  // whose parent is gone is adopted by init or a subreaper, so a changed ppid means stop, moto included.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(129);
  }, 500).unref();

  out.write(
    [
      `  API            ${stack.platDataOpenUrl}  (POST, customs' grab)`,
      `  customs        ${stack.customsUploadUrl}${stack.customs ? '  (simulator)' : ''}`,
      `  AWS emulator   ${stack.moto.endpoint}  (moto, pid ${stack.moto.pid})`,
      `  signer         ${stack.signer.description}`,
      `  IAM routes     POST /payments, GET /orders/{orderNo}/status: SigV4 for execute-api in ${LOCAL_REGION},`,
      // Dummy local credentials, not secrets: the only identity the local API admits on those routes.
      `                 access key id ${LOCAL_CREDENTIALS.accessKeyId}, secret ${LOCAL_CREDENTIALS.secretAccessKey} (dummy, local only)`,
      '  other terminals: `npx ceb-grab load FILE.jsonl`, `npx ceb-grab status <sessionID|orderNo>`',
      '',
    ].join('\n'),
  );

  if (demo && stack.customs) {
    const { runDemo, sessionsTable, latencySummary } = await import('#local/demo.ts');
    const { loadSamplePayments } = await import('#local/demo-data.ts');
    const loaded = await loadSamplePayments();
    out.write(
      `loaded ${loaded.payments.length} sample payments (${loaded.summary}); customs now grabs ${loaded.orderNos.length} orders\n`,
    );
    const result = await runDemo({
      customs: stack.customs,
      platDataOpenUrl: stack.platDataOpenUrl,
      sessions: loaded.sessions,
      payments: loaded.payments,
      orderNos: loaded.orderNos,
      certificatePem: stack.signer.certificatePem,
    });
    out.write(`${sessionsTable(result.sessions)}\n`);
    out.write(
      `${result.accepted} of ${result.total} grabs accepted by customs in ${(result.elapsedMs / 1000).toFixed(1)} s; ${latencySummary(result.sessions)}\n`,
    );

    // Clearance goes on after the upload: the demo broker reports customs' receipts for each order.
    const { sendDemoClearance, clearanceTable } = await import('#local/demo-clearance.ts');
    out.write(
      'clearance: the demo broker sends signed notices and CEB312/CEB622 receipts (one out of order)...\n',
    );
    const clearance = await sendDemoClearance({ apiUrl: stack.apiUrl, orderNos: loaded.orderNos });
    out.write(
      `${clearanceTable(clearance)}\n${clearance.released} of ${clearance.orders.length} orders released\n`,
    );
    if (opts.once) {
      const ok = result.accepted === result.total && clearance.released === clearance.orders.length;
      await shutdown(ok ? 0 : 1);
      return 0;
    }
  } else if (opts.once) {
    await shutdown(0);
    return 0;
  }
  out.write('serving; Ctrl-C stops everything\n');
  await new Promise(() => undefined);
  return 0;
}

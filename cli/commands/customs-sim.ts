import { type Command, InvalidArgumentError } from 'commander';
import { parseNonNegative, parsePort, readText } from '#cli/options.ts';
import { fail } from '#cli/target.ts';

interface CustomsSimOptions {
  port: number;
  cert: { ebpCode: string; path: string }[];
  payments?: string;
  latencyMs: number;
}

/** `ceb-grab customs-sim`: customs' side as its own process, until Ctrl-C. */
export function registerCustomsSim(program: Command): void {
  program
    .command('customs-sim')
    .description(
      "run the customs simulator: receives uploads at /ceb2grab/grab/realTimeDataUpload and answers with customs' codes; " +
        'admin API under /sim/ (certificates, payments, sessions, grabs, uploads, faults)',
    )
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', parsePort, 8300)
    .option(
      '--cert <ebpCode=file.pem>',
      'register a certificate for an ebpCode (repeatable)',
      collectCert,
      [],
    )
    .option(
      '--payments <file.jsonl>',
      'declare the payments of a `ceb-grab load` file, so uploads must list all their orders',
    )
    .option(
      '--latency-ms <n>',
      "simulated processing time per upload (customs' latency)",
      parseNonNegative,
      0,
    )
    .action(async (opts: CustomsSimOptions) => {
      try {
        await serve(opts);
      } catch (e) {
        fail((e as Error).message);
      }
    });
}

async function serve(opts: CustomsSimOptions): Promise<void> {
  // Loaded on use, so other commands do not pay for the simulator's imports.
  const { startCustomsSimulator } = await import('#doubles/customs-simulator/index.ts');
  const { readPaymentsFile } = await import('#doubles/customs-simulator/payments-file.ts');
  const certs = opts.cert.map((c) => ({
    ...c,
    pem: readText(c.path, `the certificate for ebpCode ${c.ebpCode}`),
  }));
  const declared =
    opts.payments === undefined ? undefined : readPaymentsFile(readText(opts.payments, 'the payments file'));

  const sim = await startCustomsSimulator({ port: opts.port, faults: { latencyMs: opts.latencyMs } });
  const out: string[] = [
    `customs simulator listening on ${sim.url}`,
    `  upload:  ${sim.uploadUrl}`,
    `  admin:   ${sim.url}/sim/`,
  ];
  try {
    for (const c of certs) {
      const info = sim.registerCertificate(c.ebpCode, c.pem);
      out.push(`  certificate ${info.certNo} (${info.algorithm}) registered for ebpCode ${c.ebpCode}`);
    }
  } catch (e) {
    await sim.close();
    throw e;
  }
  if (declared) {
    for (const p of declared.payments) sim.declarePayment(p.payTransactionId, p.orderNos);
    out.push(`  ${declared.payments.length} payment(s) declared from ${opts.payments}`);
    for (const s of declared.skipped) out.push(`  skipped ${opts.payments}:${s.line}: ${s.why}`);
  }
  if (opts.latencyMs > 0) out.push(`  simulated latency ${opts.latencyMs} ms per upload`);
  out.push('Ctrl-C to stop');
  process.stdout.write(`${out.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`${signal}: closing the customs simulator\n`);
      sim.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function collectCert(value: string, previous: CustomsSimOptions['cert']): CustomsSimOptions['cert'] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('expected EBPCODE=path/to/cert.pem');
  return [...previous, { ebpCode: value.slice(0, at), path: value.slice(at + 1) }];
}

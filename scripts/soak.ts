/**
 * `npm run soak`: thousands of grabs through the local stack under injected faults (customs 5xx,
 * resets, timeouts, lost replies, 20000 replies; signer outages; a worker dying between upload and
 * record; duplicate grabs from customs; duplicate SQS deliveries), then a clean control run. It
 * checks that every grab ends in exactly one recorded state, none is accepted twice and nothing is
 * left pending, prints the figures and exits 0 only if those invariants hold. Loopback only.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import pLimit from 'p-limit';
import { sqsClient } from '#adapters/aws-clients.ts';
import { SignerUnavailableError } from '#core/errors.ts';
import { isTerminal } from '#core/session.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import type { Faults } from '#doubles/customs-simulator/faults.ts';
import type { CustomsSimulator } from '#doubles/customs-simulator/server.ts';
import { operatorRoot } from '#functions/composition/operator.ts';
import { loadSamplePayments } from '#local/demo-data.ts';
import { startLocalStack } from '#local/local-stack.ts';

interface RunOptions {
  readonly name: string;
  readonly grabs: number;
  readonly concurrency: number;
  readonly customsFaults: Faults;
  readonly signerFailureRate: number;
  readonly crashRate: number;
  readonly duplicateGrabRate: number;
  readonly duplicateDeliveryRate: number;
  readonly drainTimeoutMs: number;
}

interface RunFigures {
  readonly name: string;
  readonly grabsSent: number;
  readonly byState: Record<string, number>;
  readonly lost: number;
  readonly doubleAccepted: number;
  readonly pending: number;
  /** customs accepted it but we recorded something else, or the reverse */
  readonly disagreements: number;
  readonly drainSeconds: number;
  readonly sentSeconds: number;
  readonly injected: Record<string, number>;
}

/** A worker that dies right after customs answered, before it could record anything. */
class WorkerCrash extends Error {}

function faultyDeps(deps: UploadDeps, opts: RunOptions, injected: Record<string, number>): UploadDeps {
  const crashed = new Set<string>();
  const count = (k: string) => {
    injected[k] = (injected[k] ?? 0) + 1;
  };
  return {
    ...deps,
    signer: {
      sign: async (data, key) => {
        if (Math.random() < opts.signerFailureRate) {
          count('signer unavailable');
          throw new SignerUnavailableError('signing device unplugged (injected)');
        }
        return deps.signer.sign(data, key);
      },
    },
    customs: {
      upload: async (payExInfoStr) => {
        const reply = await deps.customs.upload(payExInfoStr);
        if (Math.random() < opts.crashRate) {
          const sessionID = (JSON.parse(payExInfoStr) as { sessionID: string }).sessionID;
          crashed.add(sessionID);
          count('worker crash after upload');
          throw new WorkerCrash(`worker died after uploading ${sessionID}`);
        }
        return reply;
      },
    },
    sessions: Object.assign(Object.create(Object.getPrototypeOf(deps.sessions)), deps.sessions, {
      // A dead worker records nothing: not the outcome, not even `retrying`.
      recordOutcome: async (...args: Parameters<UploadDeps['sessions']['recordOutcome']>) => {
        if (crashed.delete(args[0])) throw new WorkerCrash('the worker is gone');
        return deps.sessions.recordOutcome(...args);
      },
    }),
  };
}

/** Send a grab the way customs does: when no answer comes, send the same sessionID again. */
async function grabWithRetries(
  customs: CustomsSimulator,
  url: string,
  orderNo: string,
  injected: Record<string, number>,
): Promise<{ sessionID: string; sentAt: number }> {
  const sessionID = customs.registerSession(orderNo);
  for (let attempt = 1; ; attempt++) {
    try {
      return await customs.sendGrab(url, orderNo, { sessionID, timeoutMs: 20_000 });
    } catch (e) {
      if (attempt >= 5) throw e;
      injected['grab re-sent after no answer'] = (injected['grab re-sent after no answer'] ?? 0) + 1;
    }
  }
}

async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function run(opts: RunOptions): Promise<RunFigures> {
  const injected: Record<string, number> = {};
  Object.assign(process.env, {
    // One delivery (two tries of at most 1 s, a backoff, a signature) ends well within the 6 s
    // visibility timeout, and the 5 s lease ends before a crashed attempt's message reappears.
    CUSTOMS_TIMEOUT_MS: '1000',
    UPLOAD_TRIES: '2',
    UPLOAD_LEASE_MS: '5000',
  });
  const stack = await startLocalStack({
    port: 0,
    logLevel: 'SILENT',
    visibilityTimeoutSeconds: 6,
    maxReceives: 12,
    workerConcurrency: 4,
    customsFaults: opts.customsFaults,
    wrapWorkerDeps: (deps) => faultyDeps(deps, opts, injected),
  });
  try {
    const customs = stack.customs;
    if (!customs) throw new Error('the soak run needs the built-in customs simulator');
    const loaded = await loadSamplePayments();
    for (const ebpCode of new Set(loaded.payments.map((p) => p.ebpCode))) {
      customs.registerCertificate(ebpCode, stack.signer.certificatePem);
    }
    for (const p of loaded.payments)
      customs.declarePayment(
        p.payTransactionId,
        p.orders.map((o) => o.orderNo),
      );
    const sessions = operatorRoot().sessions();
    const sqs = sqsClient();

    const bar = new cliProgress.SingleBar(
      { format: `${opts.name.padEnd(8)} [{bar}] {value}/{total} {stage} | {duration}s`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(opts.grabs, 0, { stage: 'grabs sent' });
    const started = Date.now();
    const ids: string[] = [];
    const limit = pLimit(opts.concurrency);
    await Promise.all(
      Array.from({ length: opts.grabs }, (_, i) =>
        limit(async () => {
          const orderNo = loaded.orderNos[i % loaded.orderNos.length] ?? '';
          const grab = await grabWithRetries(customs, stack.platDataOpenUrl, orderNo, injected);
          ids.push(grab.sessionID);
          if (Math.random() < opts.duplicateGrabRate) {
            injected['duplicate grab'] = (injected['duplicate grab'] ?? 0) + 1;
            await customs.sendGrab(stack.platDataOpenUrl, orderNo, {
              sessionID: grab.sessionID,
              escapeQuotes: true,
            });
          }
          if (Math.random() < opts.duplicateDeliveryRate) {
            injected['duplicate delivery'] = (injected['duplicate delivery'] ?? 0) + 1;
            const body = JSON.stringify({ sessionID: grab.sessionID, orderNo, receivedAt: grab.sentAt });
            await sqs.send(
              new SendMessageCommand({ QueueUrl: stack.resources.grabQueueUrl, MessageBody: body }),
            );
          }
          bar.increment();
        }),
      ),
    );

    const sentSeconds = (Date.now() - started) / 1000;
    // Drain: wait until the grab queue is empty (nothing visible, nothing in flight) twice in a row,
    // watching customs' side for progress; then read every session once. (Polling the table instead
    // would make moto scan it every second.)
    bar.update(0, { stage: 'sessions with a verdict at customs' });
    const deadline = Date.now() + opts.drainTimeoutMs;
    let emptyPolls = 0;
    while (emptyPolls < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      bar.update(customs.sessions().filter((x) => x.status !== 'issued').length);
      const inFlight = await queueDepth(sqs, stack.resources.grabQueueUrl);
      // A session still open once its message is gone was lost: the final read below counts it.
      emptyPolls = inFlight === 0 ? emptyPolls + 1 : 0;
    }
    bar.stop();
    const read = pLimit(16);
    const rows = await Promise.all(ids.map((id) => read(() => sessions.get(id))));
    const inDlq = await queueDepth(sqs, stack.resources.grabDlqUrl);
    if (inDlq > 0) process.stdout.write(`  messages in the DLQ: ${inDlq}\n`);
    const drainSeconds = (Date.now() - started) / 1000;

    const byState: Record<string, number> = {};
    let lost = 0;
    let pending = 0;
    let disagreements = 0;
    let doubleAccepted = 0;
    for (const [i, s] of rows.entries()) {
      const id = ids[i] ?? '';
      const accepted = customs.uploads(id).filter((u) => u.accepted).length;
      if (accepted > 1) doubleAccepted++;
      if (!s) {
        lost++;
        continue;
      }
      byState[s.state] = (byState[s.state] ?? 0) + 1;
      if (!isTerminal(s.state)) {
        pending++;
        if (pending <= 5) {
          process.stdout.write(
            `  pending: ${s.sessionID} ${s.state} attempts ${s.attempts} error ${s.error ?? '-'} customs uploads ${customs.uploads(id).length}\n`,
          );
        }
      }
      if ((s.state === 'uploaded') !== (accepted === 1)) {
        disagreements++;
        if (disagreements <= 5) {
          process.stdout.write(
            `  disagree: ${s.sessionID} we say ${s.state} (${s.customsCode ?? ''} ${s.customsMessage ?? s.error ?? ''}), customs accepted ${accepted}\n`,
          );
        }
      }
    }
    return {
      sentSeconds,
      name: opts.name,
      grabsSent: ids.length,
      byState,
      lost,
      doubleAccepted,
      pending,
      disagreements,
      drainSeconds,
      injected,
    };
  } finally {
    await stack.stop();
  }
}

function report(f: RunFigures): boolean {
  const ok = f.lost === 0 && f.doubleAccepted === 0 && f.pending === 0 && f.disagreements === 0;
  const lines = [
    `== ${f.name} run: ${ok ? 'invariants hold' : 'INVARIANTS BROKEN'}`,
    `  grabs sent                      ${f.grabsSent}`,
    `  sessions by terminal state      ${Object.entries(f.byState)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  lost (no recorded state)        ${f.lost}`,
    `  accepted by customs twice       ${f.doubleAccepted}`,
    `  still pending after the drain   ${f.pending}`,
    `  our record vs customs disagree  ${f.disagreements}`,
    `  time to send every grab         ${f.sentSeconds.toFixed(1)} s`,
    `  time to drain                   ${f.drainSeconds.toFixed(1)} s (${(f.grabsSent / f.drainSeconds).toFixed(1)} grabs/s end to end)`,
    `  faults injected                 ${
      Object.entries(f.injected)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok;
}

const program = new Command('soak')
  .option('--grabs <n>', 'grabs per run', '5000')
  // The worker, bounded by the local emulator, uploads about 10 grabs a second here: sending much
  // faster only grows a backlog that slows moto's SQS for everyone.
  .option('--concurrency <n>', 'grabs customs sends at once', '8')
  .option('--drain-seconds <n>', 'give up waiting for the drain after this long', '300')
  .option('--only <run>', 'faulted or clean')
  .parse();
const o = program.opts<{ grabs: string; concurrency: string; drainSeconds: string; only?: string }>();
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const base = {
  grabs: Number(o.grabs),
  concurrency: Number(o.concurrency),
  drainTimeoutMs: Number(o.drainSeconds) * 1000,
};
const runs: RunOptions[] = [
  {
    ...base,
    name: 'faulted',
    customsFaults: {
      error5xxRate: 0.05,
      resetRate: 0.03,
      timeoutRate: 0.01,
      lostReplyRate: 0.03,
      busy20000Rate: 0.005,
      slowRate: 0.05,
      slowMs: 300,
    },
    signerFailureRate: 0.03,
    crashRate: 0.01,
    duplicateGrabRate: 0.03,
    duplicateDeliveryRate: 0.03,
  },
  {
    ...base,
    name: 'clean',
    customsFaults: {},
    signerFailureRate: 0,
    crashRate: 0,
    duplicateGrabRate: 0,
    duplicateDeliveryRate: 0,
  },
].filter((r) => !o.only || r.name === o.only);

if (!o.only) {
  // Each run in its own process: a Lambda handler reads its configuration once per process.
  let allOk = true;
  for (const r of runs) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--only', r.name],
      {
        stdio: 'inherit',
      },
    );
    if (child.status !== 0) {
      process.stdout.write(
        `the ${r.name} run exited with ${child.status ?? child.signal} ${child.error?.message ?? ''}\n`,
      );
    }
    allOk = child.status === 0 && allOk;
  }
  process.stdout.write(
    `soak ${allOk ? 'passed: 0 lost, 0 accepted twice, 0 pending in every run' : 'FAILED'}\n`,
  );
  process.exit(allOk ? 0 : 1);
}
const ok = report(await run(runs[0] as RunOptions));
process.exit(ok ? 0 : 1);

/**
 * The local-stack part of `npm run bench`, started by bench/run.ts as its own process (a handler
 * reads its configuration once per process, and each run wants a fresh stack). Writes its figures
 * as JSON to --out. Loopback only: moto, the API, the worker and the customs simulator.
 *
 *   --signer soft|kms   which signer the worker uses (kms: the local KMS double)
 *   --ack N             grab acks timed through the API, interleaved with N bare write+send pairs
 *   --e2e N             grabs per end-to-end run (simulator latency 0 ms and 200 ms)
 *   --worker N          grabs per isolated worker-CPU run (moto direct, and through a keep-alive proxy)
 *   --count N           grabs for the request count only (for the KMS run)
 *   --log-level L       INFO: the functions log and emit metrics as deployed, and --count also
 *                       measures the bytes they write per grab (CloudWatch Logs bills ingestion)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import pLimit from 'p-limit';
import { dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { HttpCustomsClient } from '#adapters/customs/http-customs-client.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import { type SessionStatus, SimulatorWaitTimeoutError } from '#doubles/customs-simulator/customs-state.ts';
import { loadSamplePayments } from '#local/demo-data.ts';
import { startLocalStack } from '#local/local-stack.ts';
import { SqsPoller } from '#local/sqs-poller.ts';
import { AwsRequestCounter } from './lib/aws-requests.ts';
import { dynamoItemBytes } from './lib/cost.ts';
import { type MeterSnapshot, PhaseMeter } from './lib/phase-meter.ts';
import { cpuMsSince, latencyOf, processCpuMs } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    signer: { type: 'string', default: 'soft' },
    ack: { type: 'string', default: '0' },
    e2e: { type: 'string', default: '0' },
    worker: { type: 'string', default: '0' },
    count: { type: 'string', default: '0' },
    'log-level': { type: 'string', default: 'SILENT' },
  },
});
const out = args.out ?? '';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.SIGNER_KIND = args.signer;
const say = (s: string) => process.stderr.write(`  [stack] ${s}\n`);

// The worker's deps as the stack builds them; the bench runs its own pollers with them.
let built: UploadDeps | undefined;
const stack = await startLocalStack({
  port: 0,
  logLevel: args['log-level'] === 'INFO' ? 'INFO' : 'SILENT',
  workerConcurrency: 1,
  wrapWorkerDeps: (d) => {
    built = d;
    return d;
  },
});
const results: Record<string, unknown> = { signer: args.signer };
try {
  await stack.poller.stop();
  if (!built || !stack.customs) throw new Error('the bench needs the built-in customs simulator');
  const baseDeps: UploadDeps = built;
  const customs = stack.customs;
  // Imported only now, like the handlers: they read POWERTOOLS_* once, when their module loads.
  const { createUploadWorker } = await import('#functions/upload-worker/worker.ts');
  const loaded = await loadSamplePayments();
  for (const ebpCode of new Set(loaded.payments.map((p) => p.ebpCode))) await stack.registerEbpCode(ebpCode);
  for (const p of loaded.payments) {
    customs.declarePayment(
      p.payTransactionId,
      p.orders.map((o) => o.orderNo),
    );
  }
  const orderNo = (i: number) => loaded.orderNos[i % loaded.orderNos.length] ?? '';
  const sqs = sqsClient();
  const queueUrl = stack.resources.grabQueueUrl;
  const queueArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn ?? '';
  const depth = async () => {
    const a = (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes;
    return (
      Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  };
  const drain = async (timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    while ((await depth()) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  };
  const grab = async (i: number, timeoutMs = 30_000) => {
    const g = await customs.sendGrab(stack.platDataOpenUrl, orderNo(i), { timeoutMs });
    const code = (g.reply as { code?: string } | undefined)?.code;
    if (g.httpStatus !== 200 || code !== '10000')
      throw new Error(`grab ${g.sessionID} answered ${g.httpStatus} ${code}`);
    return g;
  };
  const inParallel = async <T>(n: number, concurrency: number, f: (i: number) => Promise<T>) => {
    const limit = pLimit(concurrency);
    return Promise.all(Array.from({ length: n }, (_, i) => limit(() => f(i))));
  };

  const meter = new PhaseMeter();
  const measured: UploadDeps = meter.wrap(baseDeps);

  /** The worker's handler, timed per invocation (Lambda bills the invocation's duration). */
  const timedWorker = (deps: UploadDeps) => {
    const handler = createUploadWorker({ deps: async () => deps, sessions: deps.sessions });
    const invocations: { wallMs: number; cpuMs: number; records: number }[] = [];
    /** the phase meter as each invocation started (one batch in flight: what it did is the difference) */
    const starts: MeterSnapshot[] = [];
    return {
      invocations,
      starts,
      handler: async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
        starts.push(meter.snapshot());
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        try {
          return await handler(event, context);
        } finally {
          invocations.push({
            wallMs: performance.now() - t0,
            cpuMs: cpuMsSince(c0),
            records: event.Records.length,
          });
        }
      },
    };
  };
  const poller = (handler: ReturnType<typeof timedWorker>['handler'], concurrency: number, batchSize = 10) =>
    new SqsPoller({
      client: sqs,
      queueUrl,
      queueArn,
      handler,
      functionName: 'upload-worker',
      concurrency,
      batchSize,
    });

  // 1. The grab's acknowledgement, next to the same conditional write + send made directly.
  const ackN = Number(args.ack);
  if (ackN > 0) {
    say(`ack latency: ${ackN} grabs through the API, interleaved with ${ackN} bare PutItem + SendMessage`);
    const doc = DynamoDBDocumentClient.from(dynamoClient(), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const bareSqs = sqsClient();
    const ack: number[] = [];
    const bare: number[] = [];
    // One at a time: the emulator serializes requests, so concurrency would only queue both alike.
    const concurrency = 1;
    const run = async (i: number, keep: boolean) => {
      let t = performance.now();
      await grab(i);
      if (keep) ack.push(performance.now() - t);
      const sessionID = `bench-bare-${process.pid}-${i}-${keep}`;
      const receivedAt = Date.now();
      t = performance.now();
      await doc.send(
        new PutCommand({
          TableName: stack.resources.sessionsTable,
          Item: {
            sessionID,
            orderNo: orderNo(i),
            serviceTime: receivedAt,
            receivedAt,
            state: 'queued',
            queuedAt: receivedAt,
            updatedAt: receivedAt,
            attempts: 0,
          },
          ConditionExpression: 'attribute_not_exists(sessionID)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      await bareSqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ sessionID, orderNo: orderNo(i), receivedAt }),
        }),
      );
      if (keep) bare.push(performance.now() - t);
    };
    await inParallel(50, concurrency, (i) => run(i, false)); // warm-up
    // moto's SendMessage slows down as its queue grows: empty the queue every few hundred pairs so
    // the figures are ours and DynamoDB's, not a growing list's (both sides alike, untimed).
    const purge = () => sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    await purge();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let from = 0; from < ackN; from += 250) {
      await inParallel(Math.min(250, ackN - from), concurrency, (i) => run(from + i, true));
      await purge();
    }
    results.ack = {
      concurrency,
      ack: latencyOf(ack),
      bare: latencyOf(bare),
      seconds: (performance.now() - t0) / 1000,
      processCpuMsPerPair: cpuMsSince(c0) / ackN,
    };
  }

  // 2. End to end: customs sends N grabs, at most 50 in flight; the worker (5 pollers) uploads them.
  //    `sessions`: a grab is in flight until customs has its upload (customs' own view: an open
  //    session), so customs sends the next grab only when one of its 50 sessions has its data.
  //    `burst`: a grab is in flight only until its HTTP acknowledgement, so all N queue up at once and
  //    the emulator's drain rate, not the pipeline, sets the latency.
  const e2eN = Number(args.e2e);
  const countN = Number(args.count);
  type Mode = 'sessions' | 'burst';
  const endToEnd = async (
    n: number,
    latencyMs: number,
    opts: { concurrency: number; count: boolean; mode: Mode },
  ) => {
    say(
      `end to end (${opts.mode}): ${n} grabs, ${opts.concurrency} in flight, customs latency ${latencyMs} ms`,
    );
    customs.setFaults({ latencyMs });
    const worker = timedWorker(measured);
    const pollers = poller(worker.handler, 5);
    pollers.start();
    // Counting: a first few grabs warm the container up (registry cache, the KMS key check), so the
    // count is the steady state's; what the warm-up asked for is kept apart.
    let warmup: Record<string, number> | undefined;
    if (opts.count) {
      const warming = new AwsRequestCounter().start();
      const first = await inParallel(10, 10, (i) => grab(i));
      await customs.waitForAccepted(
        first.map((g) => g.sessionID),
        120_000,
      );
      await drain();
      warmup = warming.stop();
      delete warmup['SQS GetQueueAttributes'];
    }
    const counter = opts.count ? new AwsRequestCounter().start() : undefined;
    worker.invocations.length = 0;
    const before = meter.snapshot();
    const c0 = process.cpuUsage();
    const moto0 = processCpuMs(stack.moto.pid);
    const grabs = await inParallel(n, opts.concurrency, async (i) => {
      const g = await grab(i);
      if (opts.mode === 'sessions') await customs.waitForAccepted([g.sessionID], 120_000);
      return g;
    });
    const ids = grabs.map((g) => g.sessionID);
    let statuses: readonly SessionStatus[];
    try {
      statuses = await customs.waitForAccepted(ids, 300_000);
    } catch (e) {
      if (!(e instanceof SimulatorWaitTimeoutError)) throw e;
      statuses = e.sessions;
    }
    const cpuMs = cpuMsSince(c0);
    const motoCpuMs = processCpuMs(stack.moto.pid) - moto0;
    // Customs has its answer before the worker records it: count until the queue is empty.
    await drain();
    await pollers.stop();
    const requests = counter?.stop();
    if (requests) delete requests['SQS GetQueueAttributes']; // the bench's own
    meter.replayPureSteps(before);
    const accepted = statuses.filter((s) => s.status === 'accepted');
    const first = Math.min(...statuses.map((s) => s.sentAt));
    const last = Math.max(...accepted.map((s) => s.acceptedAt ?? 0));
    const after = meter.snapshot();
    const records = worker.invocations.reduce((a, x) => a + x.records, 0);
    return {
      sessionIDs: ids,
      mode: opts.mode,
      grabs: n,
      concurrency: opts.concurrency,
      pollers: 5,
      customsLatencyMs: latencyMs,
      accepted: accepted.length,
      seconds: (last - first) / 1000,
      grabsPerSecond: accepted.length / ((last - first) / 1000),
      latency: latencyOf(accepted.map((s) => s.latencyMs ?? Number.NaN)),
      processCpuMsPerGrab: cpuMs / n,
      motoCpuMsPerGrab: motoCpuMs / n,
      signCpuMs: PhaseMeter.perCall(after, before, 'sign').cpuMs,
      selfCheckCpuMs: PhaseMeter.perCall(after, before, 'self-check').cpuMs,
      buildCpuMs: PhaseMeter.perCall(after, before, 'build').cpuMs,
      invocations: worker.invocations.length,
      records,
      workerBilledMsPerGrab: worker.invocations.reduce((a, x) => a + Math.ceil(x.wallMs), 0) / records,
      meanBatch: records / worker.invocations.length,
      ...(requests ? { requests, perGrab: perGrab(requests, n), warmupRequests: warmup } : {}),
    };
  };
  if (e2eN > 0) {
    const run = async (latencyMs: number, mode: Mode, count: boolean) =>
      endToEnd(e2eN, latencyMs, { concurrency: 50, count, mode });
    const { sessionIDs, ...first } = await run(0, 'sessions', true);
    const { sessionIDs: _, ...second } = await run(200, 'sessions', false);
    const { sessionIDs: __, ...burst } = await run(0, 'burst', false);
    results.e2e = [first, second, burst];
    results.sizes = await itemSizes(sessionIDs.slice(0, 40));
  }
  if (countN > 0) {
    // With --log-level INFO everything the functions write (logs, EMF metrics) goes to stdout: count it.
    const write = process.stdout.write.bind(process.stdout);
    let bytes = 0;
    if (args['log-level'] === 'INFO') {
      process.stdout.write = ((chunk: string | Uint8Array) => {
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        return true;
      }) as typeof process.stdout.write;
    }
    try {
      results.count = await endToEnd(countN, 0, { concurrency: 10, count: true, mode: 'burst' });
    } finally {
      process.stdout.write = write;
    }
    if (args['log-level'] === 'INFO') results.logBytesPerGrab = bytes / countN;
    delete (results.count as { sessionIDs?: unknown }).sessionIDs;
  }

  /** Mean sizes of the session at each write, the payment item read, and the upload (for the cost estimate). */
  async function itemSizes(sessionIDs: readonly string[]) {
    const doc = DynamoDBDocumentClient.from(dynamoClient());
    const sums = { queued: 0, prepared: 0, uploaded: 0, paymentItem: 0, uploadBytes: 0, payload: 0 };
    let n = 0;
    for (const sessionID of sessionIDs) {
      const { Item: item } = await doc.send(
        new GetCommand({ TableName: stack.resources.sessionsTable, Key: { sessionID } }),
      );
      if (item?.state !== 'uploaded') continue;
      const { Item: payment } = await doc.send(
        new GetCommand({ TableName: stack.resources.paymentsTable, Key: { pk: `ORDER#${item.orderNo}` } }),
      );
      const { customsCode, customsMessage, finishedAt, uploadedAt, latencyMs, ...prepared } = item;
      sums.uploaded += dynamoItemBytes(item);
      sums.prepared += dynamoItemBytes({ ...prepared, state: 'uploading', leaseUntil: item.updatedAt });
      sums.queued += dynamoItemBytes({
        sessionID,
        orderNo: item.orderNo,
        serviceTime: item.serviceTime,
        receivedAt: item.receivedAt,
        state: 'queued',
        queuedAt: item.queuedAt,
        updatedAt: item.receivedAt,
        attempts: 0,
      });
      sums.paymentItem += payment ? dynamoItemBytes(payment) : 0;
      sums.payload += dynamoItemBytes({ payExInfoStr: item.payExInfoStr });
      sums.uploadBytes += new URLSearchParams({ payExInfoStr: String(item.payExInfoStr) }).toString().length;
      n++;
    }
    return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, n ? v / n : 0]));
  }

  // 3. The worker alone: one batch in flight, customs out of process, so the process's CPU is the worker's.
  const workerN = Number(args.worker);
  if (workerN > 0) {
    const helper = spawn(
      process.execPath,
      [fileURLToPath(new URL('./lib/loopback-servers.mjs', import.meta.url)), stack.moto.endpoint],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: helper.stdout }).once('line', resolve);
        helper.once('exit', (code) => reject(new Error(`loopback servers exited ${code}`)));
      });
      const { proxyUrl, customsUrl } = JSON.parse(line) as { proxyUrl: string; customsUrl: string };
      const worker: Record<string, unknown> = {};
      // keep-alive and moto: batches of 10 as Lambda hands them over under load; single: one record per
      // batch, so that each phase's CPU (awaits included) is its own.
      for (const [variant, endpoint, batchSize] of [
        ['keep-alive', proxyUrl, 10],
        ['moto', stack.moto.endpoint, 10],
        ['single', proxyUrl, 1],
      ] as const) {
        say(`worker CPU (${variant}): ${workerN} grabs, one batch of ${batchSize} at a time`);
        const ddb = dynamoClient({ endpoint });
        const deps = meter.wrap({
          ...baseDeps,
          sessions: new DynamoSessionStore(ddb, stack.resources.sessionsTable),
          payments: new DynamoPaymentStore(ddb, stack.resources.paymentsTable),
          customs: new HttpCustomsClient(customsUrl, 10_000),
        });
        const n = batchSize === 1 ? Math.min(workerN, 60) : workerN;
        await inParallel(n, 8, (i) => grab(i));
        const timed = timedWorker(deps);
        const one = poller(timed.handler, 1, batchSize);
        one.start();
        // The first batches warm the JIT and the connection up.
        const warm = batchSize === 1 ? 10 : 2;
        while (timed.invocations.reduce((a, x) => a + x.records, 0) < n) {
          await new Promise((r) => setTimeout(r, 50));
        }
        await one.stop();
        const before = timed.starts[warm] ?? meter.snapshot();
        meter.replayPureSteps(before);
        const after = meter.snapshot();
        const steady = timed.invocations.slice(warm);
        const records = steady.reduce((a, x) => a + x.records, 0);
        const cpu = steady.reduce((a, x) => a + x.cpuMs, 0) / records;
        const sign = PhaseMeter.perCall(after, before, 'sign');
        const check = PhaseMeter.perCall(after, before, 'self-check');
        const phases = (
          [
            'read-payment',
            'build',
            'certificate',
            'sign',
            'self-check',
            'claim',
            'record-prepared',
            'upload',
            'record-outcome',
          ] as const
        ).map((p) => [p, PhaseMeter.perCall(after, before, p)] as const);
        worker[variant] = {
          batchSize,
          records,
          batches: steady.length,
          cpuMsPerGrab: cpu,
          signCpuMs: sign.cpuMs,
          selfCheckCpuMs: check.cpuMs,
          otherCpuMs: cpu - sign.cpuMs - check.cpuMs,
          batchWallMs: latencyOf(steady.map((x) => x.wallMs)),
          phases: Object.fromEntries(
            phases
              .filter(([, x]) => x.count > 0)
              .map(([p, x]) => [
                p,
                {
                  cpuMs: batchSize === 1 ? x.spanCpuMs : x.cpuMs,
                  wallMs: x.wallMs,
                  perGrab: x.count / records,
                },
              ]),
          ),
        };
      }
      results.worker = worker;
    } finally {
      helper.stdin?.end();
      helper.kill();
    }
  }
} finally {
  await stack.stop();
  writeFileSync(out, JSON.stringify(results, null, 2));
}

function perGrab(requests: Record<string, number>, grabs: number): Record<string, number> {
  return Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, v / grabs]));
}

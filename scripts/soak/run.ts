import cliProgress from 'cli-progress';
import { sqsClient } from '#adapters/aws-clients.ts';
import {
  GRAB_VISIBILITY_TIMEOUT_MS,
  MAX_RECEIVES,
  UPLOAD_LEASE_MS,
  WORKER_MAX_CONCURRENCY,
} from '#core/settings.ts';
import { operatorRoot } from '#functions/composition/operator.ts';
import { loadSamplePayments } from '#local/demo-data.ts';
import { type LocalStackOptions, startLocalStack } from '#local/local-stack.ts';
import { LOCAL_REGION, localAws } from '#local/stack-file.ts';
import { sendGrabs } from './drive.ts';
import { drainAndRead, type Verdicts } from './figures.ts';
import { faultyGrabDeps } from './grab-faults.ts';
import type { RunOptions } from './options.ts';
import { type PacedSigner, startPacedSigner } from './paced-signer.ts';
import { type Sample, Sampler } from './sampler.ts';
import { Tally } from './tally.ts';
import { startThrottlingProxy, type ThrottlingProxy } from './throttling-proxy.ts';
import { faultyWorkerDeps, initFailingWorker } from './worker-faults.ts';

export interface RunFigures {
  readonly options: RunOptions;
  readonly grabsSent: number;
  readonly verdicts: Verdicts;
  readonly sentSeconds: number;
  /** first grab sent -> last session's outcome */
  readonly drainSeconds: number;
  readonly injected: Record<string, number>;
  readonly samples: readonly Sample[];
  readonly signer?: SignerFigures;
}

export interface SignerFigures {
  readonly rate: number;
  readonly signatures: number;
  /** time the card spent answering / wall time from the first grab to the last outcome */
  readonly busyFraction: number;
  /** signer timeouts the worker met */
  readonly timeouts: number;
  /** the proxy's refusals by code, its average wait per signature, the most requests it held at once */
  readonly proxyErrors: Record<string, number>;
  readonly averageQueueMs: number;
  readonly maxInFlight: number;
}

/**
 * The worker's settings for a run. Faulted and clean runs shorten the customs timeout and the lease so
 * a crashed delivery comes back within seconds, and the sweep's threshold so a grab whose send died
 * is queued again soon. The card-paced run keeps the deployed values: it measures them.
 */
function settingsFor(opts: RunOptions, paced: PacedSigner | undefined) {
  if (paced) {
    return {
      env: { ...paced.env, UPLOAD_LEASE_MS: String(UPLOAD_LEASE_MS) },
      stack: {
        visibilityTimeoutSeconds: GRAB_VISIBILITY_TIMEOUT_MS / 1000,
        maxReceives: MAX_RECEIVES,
        workerConcurrency: WORKER_MAX_CONCURRENCY['hsm-proxy'],
      },
    };
  }
  return {
    // One delivery (two tries of at most 1 s, a backoff, a signature) ends well within the 6 s
    // visibility timeout, and the 5 s lease ends before a crashed attempt's message reappears.
    env: {
      CUSTOMS_TIMEOUT_MS: '1000',
      UPLOAD_TRIES: '2',
      UPLOAD_LEASE_MS: '5000',
      STUCK_RECEIVED_AFTER_MS: '3000',
    },
    stack: {
      visibilityTimeoutSeconds: 6,
      maxReceives: 12,
      workerConcurrency: 4,
      // Only the faulted run leaves grabs for the sweep; the clean one runs it as deployed.
      ...(opts.crashBeforeSendRate > 0 ? { sweepIntervalMs: 2_000 } : {}),
    },
  };
}

export async function runSoak(opts: RunOptions): Promise<RunFigures> {
  const tally = new Tally();
  const paced = opts.signerRate === undefined ? undefined : await startPacedSigner(opts.signerRate);
  const settings = settingsFor(opts, paced);
  Object.assign(process.env, settings.env);
  let throttle: ThrottlingProxy | undefined;
  let initFailsUntil = Number.POSITIVE_INFINITY;
  const stackOptions: LocalStackOptions = {
    port: 0,
    logLevel: 'SILENT',
    ...settings.stack,
    customsFaults: opts.customsFaults,
    wrapWorkerDeps: (deps) => faultyWorkerDeps(deps, opts, tally),
    ...(opts.initFailureSeconds > 0
      ? { wrapWorkerHandler: (h) => initFailingWorker(h, () => initFailsUntil, tally) }
      : {}),
    ...(opts.crashBeforeSendRate > 0 ? { wrapGrabDeps: (deps) => faultyGrabDeps(deps, opts, tally) } : {}),
    ...(opts.dynamoThrottleRate > 0
      ? {
          dynamoDbFront: async (moto: string) => {
            throttle = await startThrottlingProxy(moto, opts.dynamoThrottleRate);
            return throttle;
          },
        }
      : {}),
  };
  const stack = await startLocalStack(stackOptions).catch(async (e) => {
    await paced?.close();
    throw e;
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
    // The soak's own reads go to moto directly: the throttling is the functions' to meet.
    const sessions = operatorRoot({
      aws: localAws({ endpoint: stack.moto.endpoint, region: LOCAL_REGION }),
    }).sessions();
    const sqs = sqsClient();
    const accepted = () => customs.sessions().filter((s) => s.status === 'accepted').length;

    const startedAt = Date.now();
    initFailsUntil = startedAt + opts.initFailureSeconds * 1000;
    const sampler = new Sampler(
      {
        sqs,
        grabQueueUrl: stack.resources.grabQueueUrl,
        accepted,
        ...(paced
          ? {
              signer: {
                busyMs: () => paced.card.counts().busyMs,
                waiting: () => paced.proxy.stats().queued + paced.card.counts().waiting,
              },
            }
          : {}),
      },
      startedAt,
    );
    sampler.start();
    const bar = new cliProgress.SingleBar(
      { format: `${opts.name.padEnd(10)} [{bar}] {value}/{total} {stage} | {duration}s`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(opts.grabs, 0, { stage: 'grabs sent' });
    const ids = await sendGrabs(
      {
        customs,
        platDataOpenUrl: stack.platDataOpenUrl,
        grabQueueUrl: stack.resources.grabQueueUrl,
        sqs,
        orderNos: loaded.orderNos,
      },
      opts,
      tally,
      bar,
    );
    const sentSeconds = (Date.now() - startedAt) / 1000;
    bar.update(accepted(), { stage: 'accepted by customs' });
    const progress = setInterval(() => bar.update(accepted()), 1_000);
    const verdicts = await drainAndRead(
      ids,
      {
        sqs,
        grabQueueUrl: stack.resources.grabQueueUrl,
        grabDlqUrl: stack.resources.grabDlqUrl,
        sessions,
        customs,
        sampler,
        tally,
      },
      Date.now() + opts.drainTimeoutMs,
    ).finally(() => {
      clearInterval(progress);
      sampler.stop();
      bar.stop();
    });
    const drainSeconds = (verdicts.lastOutcomeAt - startedAt) / 1000;

    const injected: Record<string, number> = { ...tally.counts };
    for (const [k, v] of Object.entries(customs.faultsInjected())) injected[`customs ${k}`] = v;
    if (throttle) {
      const t = throttle.counts();
      injected[`DynamoDB throttled (of ${t.dynamoDbRequests} requests)`] = t.throttled;
    }
    return {
      options: opts,
      grabsSent: ids.length,
      verdicts,
      sentSeconds,
      drainSeconds,
      injected,
      samples: sampler.samples,
      ...(paced && opts.signerRate
        ? { signer: signerFigures(paced, opts.signerRate, tally, verdicts.lastOutcomeAt - startedAt) }
        : {}),
    };
  } finally {
    await stack.stop();
    await paced?.close();
  }
}

function signerFigures(paced: PacedSigner, rate: number, tally: Tally, wallMs: number): SignerFigures {
  const card = paced.card.counts();
  const proxy = paced.proxy.stats();
  return {
    rate,
    signatures: card.signatures,
    busyFraction: card.busyMs / wallMs,
    timeouts: tally.counts['signer timeout (seen by the worker)'] ?? 0,
    proxyErrors: { ...proxy.errors } as Record<string, number>,
    averageQueueMs: proxy.averageMs.queue,
    maxInFlight: proxy.maxInFlight,
  };
}

import { Command, InvalidArgumentError } from 'commander';
import type { Faults } from '#doubles/customs-simulator/faults.ts';

/** One soak run: how many grabs, how fast customs sends them, and what goes wrong on the way. */
export interface RunOptions {
  readonly name: 'faulted' | 'clean' | 'card-paced';
  readonly grabs: number;
  /** grabs customs sends at once */
  readonly concurrency: number;
  readonly drainTimeoutMs: number;
  readonly customsFaults: Faults;
  /** the signer refuses (device unplugged) */
  readonly signerFailureRate: number;
  /** the worker dies after claiming the session, before it sends the upload */
  readonly crashBeforeUploadRate: number;
  /** the worker dies after customs answered, before it records anything */
  readonly crashAfterUploadRate: number;
  /** grab-request dies after writing the session `received`, before the send to the queue */
  readonly crashBeforeSendRate: number;
  /** customs sends a grab again when the platform answered it with an error (else the sweep requeues it) */
  readonly resendAfterErrorRate: number;
  /** every worker invocation fails at init for the run's first this many seconds (a missing signer secret) */
  readonly initFailureSeconds: number;
  /** DynamoDB answers ProvisionedThroughputExceededException to this share of requests */
  readonly dynamoThrottleRate: number;
  readonly duplicateGrabRate: number;
  readonly duplicateDeliveryRate: number;
  /** a card behind `ceb-grab signer` that signs one at a time at this many a second; absent: a soft key */
  readonly signerRate?: number;
}

export interface SoakCli {
  readonly runs: RunOptions[];
  /** the run this process is to do (a child); absent: the parent, which spawns one process per run */
  readonly only?: string;
}

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number > 0');
  return n;
};

const NO_FAULTS = {
  signerFailureRate: 0,
  crashBeforeUploadRate: 0,
  crashAfterUploadRate: 0,
  crashBeforeSendRate: 0,
  resendAfterErrorRate: 1,
  initFailureSeconds: 0,
  dynamoThrottleRate: 0,
  duplicateGrabRate: 0,
  duplicateDeliveryRate: 0,
} as const;

export function parseSoakCli(argv = process.argv): SoakCli {
  const o = new Command('soak')
    .option('--grabs <n>', 'grabs per run', '5000')
    // The worker, bounded by the local emulator, uploads about 10 grabs a second here: sending much
    // faster only grows a backlog that slows moto's SQS for everyone.
    .option('--concurrency <n>', 'grabs customs sends at once', '8')
    .option('--drain-seconds <n>', 'give up waiting for the drain after this long', '300')
    .option(
      '--signer-rate <n>',
      'one run with a card signing one at a time at n a second behind `ceb-grab signer` (the hsm-proxy signer)',
      positive,
    )
    .option('--only <run>', 'faulted, clean or card-paced')
    .parse(argv)
    .opts<{ grabs: string; concurrency: string; drainSeconds: string; signerRate?: number; only?: string }>();
  const base = {
    grabs: Number(o.grabs),
    concurrency: Number(o.concurrency),
    drainTimeoutMs: Number(o.drainSeconds) * 1000,
  };
  const runs: RunOptions[] =
    o.signerRate === undefined
      ? [
          {
            ...base,
            name: 'faulted',
            customsFaults: {
              error5xxRate: 0.05,
              resetRate: 0.03,
              timeoutRate: 0.01,
              lostReplyRate: 0.03,
              busy20000Rate: 0.005,
              storageFailureFirstRate: 0.01,
              slowRate: 0.05,
              slowMs: 300,
            },
            signerFailureRate: 0.03,
            crashBeforeUploadRate: 0.01,
            crashAfterUploadRate: 0.01,
            crashBeforeSendRate: 0.01,
            // Half the grabs refused by a crashed grab-request are sent again; the sweep finds the rest.
            resendAfterErrorRate: 0.5,
            initFailureSeconds: 5,
            dynamoThrottleRate: 0.03,
            duplicateGrabRate: 0.03,
            duplicateDeliveryRate: 0.03,
          },
          { ...base, name: 'clean', customsFaults: {}, ...NO_FAULTS },
        ]
      : [{ ...base, name: 'card-paced', customsFaults: {}, ...NO_FAULTS, signerRate: o.signerRate }];
  return { runs: runs.filter((r) => !o.only || r.name === o.only), ...(o.only ? { only: o.only } : {}) };
}

import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
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

export interface Sample {
  /** seconds since the first grab */
  readonly t: number;
  /** the grab queue: visible + in flight */
  readonly queueDepth: number;
  /** share of the last second the card spent signing (card-paced run) */
  readonly signerBusy?: number;
  /** requests waiting at the signer (the proxy's queue and the card's) */
  readonly signerWaiting?: number;
  /** sessions customs accepted so far */
  readonly accepted: number;
}

export interface SamplerSources {
  readonly sqs: SQSClient;
  readonly grabQueueUrl: string;
  readonly accepted: () => number;
  /** the card's own counter of time spent answering, and what waits for it */
  readonly signer?: { readonly busyMs: () => number; readonly waiting: () => number };
}

/** Every second: the grab queue's depth and, with a card, its busy fraction and queue. */
export class Sampler {
  readonly samples: Sample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #last = { at: 0, busyMs: 0 };
  #busy = false;

  constructor(
    private readonly from: SamplerSources,
    private readonly startedAt: number,
  ) {}

  start(): void {
    this.#last = { at: performance.now(), busyMs: this.from.signer?.busyMs() ?? 0 };
    this.#timer = setInterval(() => void this.#take(), 1_000);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  get latest(): Sample | undefined {
    return this.samples.at(-1);
  }

  async #take(): Promise<void> {
    if (this.#busy) return; // moto slow to answer: skip a beat rather than pile requests up
    this.#busy = true;
    try {
      const depth = await queueDepth(this.from.sqs, this.from.grabQueueUrl);
      const now = performance.now();
      const signer = this.from.signer;
      const busyMs = signer?.busyMs() ?? 0;
      const sample: Sample = {
        t: (Date.now() - this.startedAt) / 1000,
        queueDepth: depth,
        accepted: this.from.accepted(),
        ...(signer
          ? {
              signerBusy: Math.min(1, (busyMs - this.#last.busyMs) / (now - this.#last.at)),
              signerWaiting: signer.waiting(),
            }
          : {}),
      };
      this.#last = { at: now, busyMs };
      this.samples.push(sample);
    } catch {
      /* a missed sample is no figure */
    } finally {
      this.#busy = false;
    }
  }
}

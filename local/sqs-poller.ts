import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/**
 * Lambda's SQS event source mapping, on loopback: long-poll the real queue, hand batches to the
 * handler, delete what succeeded and leave the reported failures to reappear after the visibility
 * timeout (the queue's redrive policy moves them to the DLQ after maxReceiveCount).
 */
export class SqsPoller {
  private running = false;
  private loops: Promise<void>[] = [];
  /** batches handed to the handler, and records that failed */
  readonly stats = { batches: 0, records: 0, failures: 0, handlerErrors: 0 };

  constructor(
    private readonly opts: {
      client: SQSClient;
      queueUrl: string;
      queueArn: string;
      handler: SqsHandler;
      functionName: string;
      batchSize?: number;
      /** concurrent pollers, like Lambda's concurrency for the mapping */
      concurrency?: number;
      onError?: (e: unknown) => void;
    },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < (this.opts.concurrency ?? 2); i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const out = await this.opts.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.opts.queueUrl,
            MaxNumberOfMessages: this.opts.batchSize ?? 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length > 0) await this.deliver(messages);
      } catch (e) {
        this.opts.onError?.(e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async deliver(messages: Message[]): Promise<void> {
    const event: SQSEvent = { Records: messages.map((m) => this.toRecord(m)) };
    this.stats.batches++;
    this.stats.records += messages.length;
    let failed: Set<string>;
    try {
      const response = await this.opts.handler(event, lambdaContext(this.opts.functionName));
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (e) {
      // A thrown handler fails the whole batch, as in Lambda.
      this.stats.handlerErrors++;
      this.opts.onError?.(e);
      failed = new Set(messages.map((m) => m.MessageId ?? ''));
    }
    this.stats.failures += failed.size;
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (done.length > 0) {
      await this.opts.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.opts.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }

  private toRecord(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.opts.queueArn,
      awsRegion: process.env.AWS_REGION ?? 'cn-north-1',
    };
  }
}

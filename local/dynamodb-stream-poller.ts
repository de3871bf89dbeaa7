import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord as LambdaStreamRecord,
} from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

/** Deliveries of a failed record before it is dropped (Lambda's retryAttempts on the mapping). */
const MAX_TRIES = 3;

/**
 * Lambda's DynamoDB stream event source mapping, on loopback: read every shard of moto's stream of a
 * table from its start (DynamoDB Streams' DescribeStream, GetShardIterator, GetRecords), hand batches to
 * the handler as Lambda's event, and deliver again from the first record it reports failed (a few
 * times, then drop it, as a mapping with retryAttempts does).
 */
export class DynamoStreamPoller {
  private running = false;
  private loop: Promise<void> | undefined;
  /** batches handed to the handler, records in them, and records dropped after their last try */
  readonly stats = { batches: 0, records: 0, dropped: 0 };

  constructor(
    private readonly opts: {
      /** finds the table's stream */
      client: DynamoDBClient;
      /** reads it */
      streams: DynamoDBStreamsClient;
      tableName: string;
      handler: StreamHandler;
      functionName: string;
      pollMs?: number;
      onError?: (e: unknown) => void;
    },
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    const table = await this.opts.client.send(new DescribeTableCommand({ TableName: this.opts.tableName }));
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${this.opts.tableName} has no stream`);
    this.running = true;
    this.loop = this.run(streamArn);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(streamArn: string): Promise<void> {
    const { streams } = this.opts;
    const iterators = new Map<string, string>();
    /** closed shards read to their end */
    const finished = new Set<string>();
    const pending = new Map<string, { records: DynamoDBRecord[]; tries: number }>();
    while (this.running) {
      try {
        const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
        for (const { ShardId } of described.StreamDescription?.Shards ?? []) {
          if (ShardId === undefined || iterators.has(ShardId) || finished.has(ShardId)) continue;
          const it = await streams.send(
            new GetShardIteratorCommand({ StreamArn: streamArn, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
          );
          if (it.ShardIterator) iterators.set(ShardId, it.ShardIterator);
        }
        for (const [shard, iterator] of iterators) {
          const held = pending.get(shard);
          let records = held?.records ?? [];
          if (!held) {
            const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
            if (out.NextShardIterator) iterators.set(shard, out.NextShardIterator);
            else {
              iterators.delete(shard);
              finished.add(shard);
            }
            records = (out.Records ?? []).map((r) => lambdaRecordOf(r, streamArn));
          }
          if (records.length > 0) await this.deliver(shard, records, held?.tries ?? 0, pending);
        }
      } catch (e) {
        this.opts.onError?.(e);
      }
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 250));
    }
  }

  /** Hand over a batch; keep what failed (from the first failure on, in order) for the next round. */
  private async deliver(
    shard: string,
    records: DynamoDBRecord[],
    tries: number,
    pending: Map<string, { records: DynamoDBRecord[]; tries: number }>,
  ): Promise<void> {
    this.stats.batches++;
    this.stats.records += records.length;
    let firstFailed = -1;
    try {
      const response = await this.opts.handler({ Records: records }, lambdaContext(this.opts.functionName));
      const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      firstFailed = records.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    } catch (e) {
      this.opts.onError?.(e);
      firstFailed = 0;
    }
    if (firstFailed < 0) {
      pending.delete(shard);
      return;
    }
    if (tries + 1 >= MAX_TRIES) {
      this.stats.dropped += records.length - firstFailed;
      pending.delete(shard);
      return;
    }
    pending.set(shard, { records: records.slice(firstFailed), tries: tries + 1 });
  }
}

/**
 * A record as the SDK reads it -> as Lambda hands it over: the creation time in epoch seconds rather
 * than a Date, and the stream's ARN. The images keep the SDK's shapes, which unmarshall reads alike.
 */
function lambdaRecordOf(r: StreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime: created, ...dynamodb } = r.dynamodb ?? {};
  return {
    ...(r.eventID === undefined ? {} : { eventID: r.eventID }),
    ...(r.eventName === undefined ? {} : { eventName: r.eventName }),
    ...(r.eventVersion === undefined ? {} : { eventVersion: r.eventVersion }),
    eventSource: r.eventSource ?? 'aws:dynamodb',
    ...(r.awsRegion === undefined ? {} : { awsRegion: r.awsRegion }),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb as LambdaStreamRecord),
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
    },
    ...(r.userIdentity ? { userIdentity: r.userIdentity } : {}),
  };
}

import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

/** Deliveries of a failed record before it is dropped (Lambda's retryAttempts on the mapping). */
const MAX_TRIES = 3;

/**
 * Lambda's DynamoDB stream event source mapping, on loopback: read every shard of moto's stream of a
 * table from its start, hand batches to the handler, and deliver again from the first record it
 * reports failed (a few times, then drop it, as a mapping with retryAttempts does).
 *
 * DynamoDB Streams is its own API (DynamoDBStreams_20120810), which @aws-sdk/client-dynamodb does not
 * speak; the project carries no @aws-sdk/client-dynamodb-streams, so its three calls go to moto as the
 * JSON they are. moto does not check signatures, but reads the region from the credential scope.
 */
export class DynamoStreamPoller {
  private running = false;
  private loop: Promise<void> | undefined;
  /** batches handed to the handler, records in them, and records dropped after their last try */
  readonly stats = { batches: 0, records: 0, dropped: 0 };

  constructor(
    private readonly opts: {
      client: DynamoDBClient;
      endpoint: string;
      region: string;
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
    const iterators = new Map<string, string>();
    /** closed shards read to their end */
    const finished = new Set<string>();
    const pending = new Map<string, { records: DynamoDBRecord[]; tries: number }>();
    while (this.running) {
      try {
        const described = await this.call<{ StreamDescription?: { Shards?: { ShardId: string }[] } }>(
          'DescribeStream',
          { StreamArn: streamArn },
        );
        for (const { ShardId } of described.StreamDescription?.Shards ?? []) {
          if (iterators.has(ShardId) || finished.has(ShardId)) continue;
          const it = await this.call<{ ShardIterator?: string }>('GetShardIterator', {
            StreamArn: streamArn,
            ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          });
          if (it.ShardIterator) iterators.set(ShardId, it.ShardIterator);
        }
        for (const [shard, iterator] of iterators) {
          const held = pending.get(shard);
          let records = held?.records ?? [];
          if (!held) {
            const out = await this.call<{ Records?: DynamoDBRecord[]; NextShardIterator?: string }>(
              'GetRecords',
              { ShardIterator: iterator, Limit: 100 },
            );
            if (out.NextShardIterator) iterators.set(shard, out.NextShardIterator);
            else {
              iterators.delete(shard);
              finished.add(shard);
            }
            records = (out.Records ?? []).map((r) => ({ ...r, eventSourceARN: streamArn }));
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

  private async call<T>(operation: string, body: object): Promise<T> {
    const res = await fetch(this.opts.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
        authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${this.opts.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=local`,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`DynamoDB Streams ${operation}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

/**
 * Counts the AWS requests this process makes, by service and operation, from Node's own
 * `http.client.request.start` channel: every SDK client is seen (the functions' module-scope ones
 * included) without touching them. The operation is the request's X-Amz-Target
 * (`DynamoDB_20120810.PutItem`, `AmazonSQS.SendMessage`, `TrentService.Sign`).
 */
export class AwsRequestCounter {
  readonly counts = new Map<string, number>();
  private readonly onStart = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    const target = request.getHeader('x-amz-target');
    if (typeof target !== 'string') return;
    const [service = '?', operation = '?'] = target.split('.');
    const key = `${SERVICE_NAMES[service] ?? service} ${operation}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  };

  start(): this {
    this.counts.clear();
    subscribe('http.client.request.start', this.onStart);
    return this;
  }

  stop(): Record<string, number> {
    unsubscribe('http.client.request.start', this.onStart);
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

const SERVICE_NAMES: Record<string, string> = {
  DynamoDB_20120810: 'DynamoDB',
  AmazonSQS: 'SQS',
  TrentService: 'KMS',
  secretsmanager: 'SecretsManager',
  AmazonSSM: 'SSM',
};

/** Operations Lambda's SQS event source mapping makes, not the functions. */
export const EVENT_SOURCE_OPERATIONS = new Set(['SQS ReceiveMessage', 'SQS DeleteMessageBatch']);

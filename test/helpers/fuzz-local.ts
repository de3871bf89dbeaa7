import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** What the fuzz tests read back from the local stack: was anything stored or queued? */

export async function itemCount(ddb: DynamoDBClient, table: string, pkPrefix?: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new ScanCommand({
        TableName: table,
        Select: 'COUNT',
        ConsistentRead: true,
        ...(pkPrefix
          ? {
              FilterExpression: 'begins_with(pk, :p)',
              ExpressionAttributeValues: { ':p': { S: pkPrefix } },
            }
          : {}),
        ...(start ? { ExclusiveStartKey: start as never } : {}),
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

/** Messages on a queue, visible or in flight. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** POST raw bytes or text with a content type (or none); the reply as customs or a partner sees it. */
export async function post(
  url: string,
  body: string | Buffer,
  contentType: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; text: string; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...(contentType === undefined ? {} : { 'content-type': contentType }), ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

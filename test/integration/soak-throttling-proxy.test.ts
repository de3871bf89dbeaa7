import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalAws, REGION, startLocalAws } from '#test/helpers/local-aws.ts';
import { startThrottlingProxy, type ThrottlingProxy } from '../../scripts/soak/throttling-proxy.ts';

/** The soak's DynamoDB throttling: what the SDK makes of its answer, and what it lets through. */
let aws: LocalAws;
const proxies: ThrottlingProxy[] = [];
before(async () => {
  aws = await startLocalAws();
});
after(async () => {
  for (const p of proxies) await p.close();
  await aws?.stop();
});

const clientOf = (endpoint: string) => ({
  endpoint,
  region: REGION,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});

it('answers DynamoDB ProvisionedThroughputExceededException, which the SDK retries as a throttle', async () => {
  const proxy = await startThrottlingProxy(aws.endpoint, 1);
  proxies.push(proxy);
  const ddb = new DynamoDBClient({ ...clientOf(proxy.endpoint), maxAttempts: 2 });
  await assert.rejects(ddb.send(new ListTablesCommand({})), {
    name: 'ProvisionedThroughputExceededException',
  });
  // Asked twice: the SDK took the answer for a throttle (it does not retry a plain 400).
  assert.deepEqual(proxy.counts(), { throttled: 2, dynamoDbRequests: 2 });
});

it('forwards the rest to moto: DynamoDB at rate 0, and SQS whatever the rate', async () => {
  const resources = await aws.fresh();
  const calm = await startThrottlingProxy(aws.endpoint, 0);
  const harsh = await startThrottlingProxy(aws.endpoint, 1);
  proxies.push(calm, harsh);
  const tables = await new DynamoDBClient(clientOf(calm.endpoint)).send(new ListTablesCommand({}));
  assert.ok(tables.TableNames?.includes(resources.sessionsTable));
  const queue = await new SQSClient(clientOf(harsh.endpoint)).send(
    new GetQueueAttributesCommand({ QueueUrl: resources.grabQueueUrl, AttributeNames: ['QueueArn'] }),
  );
  assert.match(queue.Attributes?.QueueArn ?? '', /^arn:aws(-cn)?:sqs:/);
  assert.equal(harsh.counts().throttled, 0);
});

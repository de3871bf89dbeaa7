import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_MAX_RECEIVES } from '#functions/config.ts';

/**
 * The stateful resources of the stack, made in the local emulator with the same keys and indexes
 * as lib/ declares, so the functions run unchanged.
 */
export interface LocalResources {
  readonly sessionsTable: string;
  readonly paymentsTable: string;
  readonly grabQueueUrl: string;
  readonly grabDlqUrl: string;
  readonly maxReceives: number;
  readonly visibilityTimeoutSeconds: number;
}

export async function createLocalResources(opts: {
  endpoint: string;
  region: string;
  prefix?: string;
  visibilityTimeoutSeconds?: number;
  maxReceives?: number;
}): Promise<LocalResources> {
  const prefix = opts.prefix ?? 'ceb-grab-local';
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const ddb = new DynamoDBClient({ endpoint: opts.endpoint, region: opts.region, credentials });
  const sqs = new SQSClient({ endpoint: opts.endpoint, region: opts.region, credentials });
  const sessionsTable = `${prefix}-sessions`;
  const paymentsTable = `${prefix}-payments`;
  const maxReceives = opts.maxReceives ?? DEFAULT_MAX_RECEIVES;
  const visibilityTimeoutSeconds = opts.visibilityTimeoutSeconds ?? 30;

  await ddb.send(
    new CreateTableCommand({
      TableName: sessionsTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'sessionID', AttributeType: 'S' },
        { AttributeName: 'orderNo', AttributeType: 'S' },
        { AttributeName: 'receivedAt', AttributeType: 'N' },
        { AttributeName: 'state', AttributeType: 'S' },
        { AttributeName: 'updatedAt', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'sessionID', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byOrder',
          KeySchema: [
            { AttributeName: 'orderNo', KeyType: 'HASH' },
            { AttributeName: 'receivedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'byState',
          KeySchema: [
            { AttributeName: 'state', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await ddb.send(
    new CreateTableCommand({
      TableName: paymentsTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  for (const TableName of [sessionsTable, paymentsTable]) {
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName });
  }

  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-grabs-dlq` }));
  const grabDlqUrl = dlq.QueueUrl ?? '';
  const dlqArn = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: grabDlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-grabs`,
      Attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
          maxReceiveCount: maxReceives,
        }),
      },
    }),
  );
  ddb.destroy();
  sqs.destroy();
  return {
    sessionsTable,
    paymentsTable,
    grabQueueUrl: queue.QueueUrl ?? '',
    grabDlqUrl,
    maxReceives,
    visibilityTimeoutSeconds,
  };
}

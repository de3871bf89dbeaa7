import { CreateTableCommand, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { EXPIRES_AT_ATTRIBUTE } from '#core/retention.ts';
import { sessionIndexAttributes } from '#core/session-index.ts';
import { MAX_RECEIVES } from '#core/settings.ts';
import { localAws } from './stack-file.ts';

/**
 * The stateful resources of the stack, made in the local emulator with the same keys and indexes
 * as lib/ declares, so the functions run unchanged.
 */
export interface LocalResources {
  readonly sessionsTable: string;
  readonly paymentsTable: string;
  /** the certificate registry: which key and certificate sign for each ebpCode (pk `ebpCode`) */
  readonly certificatesTable: string;
  /** clearance events, timelines and callback replay guards (pk `pk`, sk `sk`, TTL `expiresAt`) */
  readonly clearanceTable: string;
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
  const ddb = dynamoClient(localAws(opts));
  const sqs = sqsClient(localAws(opts));
  const sessionsTable = `${prefix}-sessions`;
  const paymentsTable = `${prefix}-payments`;
  const certificatesTable = `${prefix}-certificates`;
  const clearanceTable = `${prefix}-clearance`;
  const maxReceives = opts.maxReceives ?? MAX_RECEIVES;
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
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: sessionIndexAttributes(['sessionID', 'orderNo', 'receivedAt']),
          },
        },
        {
          IndexName: 'byState',
          KeySchema: [
            { AttributeName: 'state', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: sessionIndexAttributes(['sessionID', 'state', 'updatedAt']),
          },
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
      // Every write of a payment replays the grabs that waited for it (functions/payments-stream/).
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await ddb.send(
    new CreateTableCommand({
      TableName: certificatesTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'ebpCode', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'ebpCode', KeyType: 'HASH' }],
    }),
  );
  await ddb.send(
    new CreateTableCommand({
      TableName: clearanceTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  for (const TableName of [sessionsTable, paymentsTable, certificatesTable, clearanceTable]) {
    await waitUntilTableExists({ client: ddb, maxWaitTime: 30 }, { TableName });
  }
  // Payments, sessions and clearance timelines expire after the retention (core/retention.ts), as deployed.
  for (const TableName of [sessionsTable, paymentsTable, clearanceTable]) {
    await ddb.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { AttributeName: EXPIRES_AT_ATTRIBUTE, Enabled: true },
      }),
    );
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
    certificatesTable,
    clearanceTable,
    grabQueueUrl: queue.QueueUrl ?? '',
    grabDlqUrl,
    maxReceives,
    visibilityTimeoutSeconds,
  };
}

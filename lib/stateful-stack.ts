import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_MAX_RECEIVES } from '#functions/config.ts';
import type { StageConfig } from './stage-config.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Durable, encrypted, retained on delete: everything here outlives a redeploy of the functions. */
const TABLE_DEFAULTS = {
  billingMode: BillingMode.PAY_PER_REQUEST,
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  encryption: TableEncryption.AWS_MANAGED,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies Partial<TableProps>;

/**
 * The data and the queue: tables, the grab queue with its DLQ, and the soft signer's secret.
 * Key shapes match local/resources.ts, which builds the same tables in the local emulator.
 */
export class StatefulStack extends Stack {
  /** One item per grab sessionID; queried by order and by state. */
  readonly sessionsTable: Table;
  /** Payments and their orders, addressed by `pk` only (see the payment store for the key scheme). */
  readonly paymentsTable: Table;
  readonly grabQueue: Queue;
  readonly grabDeadLetterQueue: Queue;
  /** Receives before a grab goes to the DLQ; the worker must be told the same number (MAX_RECEIVES). */
  readonly maxReceiveCount: number = DEFAULT_MAX_RECEIVES;
  /** Consumers' function timeout must not exceed this. */
  readonly grabVisibilityTimeout = Duration.seconds(30);
  /** {"privateKeyPem", "certificatePem"} of the enterprise's E-Port certificate, filled in by the operator. */
  readonly softSignerSecret: Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    this.sessionsTable = new Table(this, 'Sessions', {
      ...TABLE_DEFAULTS,
      partitionKey: { name: 'sessionID', type: AttributeType.STRING },
    });
    this.sessionsTable.addGlobalSecondaryIndex({
      indexName: 'byOrder',
      partitionKey: { name: 'orderNo', type: AttributeType.STRING },
      sortKey: { name: 'receivedAt', type: AttributeType.NUMBER },
    });
    this.sessionsTable.addGlobalSecondaryIndex({
      indexName: 'byState',
      partitionKey: { name: 'state', type: AttributeType.STRING },
      sortKey: { name: 'updatedAt', type: AttributeType.NUMBER },
    });

    this.paymentsTable = new Table(this, 'Payments', {
      ...TABLE_DEFAULTS,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
    });

    this.grabDeadLetterQueue = new Queue(this, 'GrabDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows, so an operator has two weeks to inspect and replay.
      retentionPeriod: Duration.days(14),
    });
    this.grabQueue = new Queue(this, 'GrabQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.grabVisibilityTimeout,
      deadLetterQueue: { queue: this.grabDeadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });

    // Created holding placeholder JSON (empty PEMs), so until the operator puts the real key and certificate
    // the worker fails naming the empty field. Redeploys keep the operator's value as long as
    // generateSecretString below is left unchanged (changing it makes CloudFormation generate anew).
    this.softSignerSecret = new Secret(this, 'SoftSignerSecret', {
      description: `ceb-grab ${props.config.stage}: soft signer key, JSON {"privateKeyPem": "...", "certificatePem": "..."}`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ privateKeyPem: '', certificatePem: '' }),
        generateStringKey: 'placeholder',
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // What the operator and the CLI (`ceb-grab load`, `status`) need to find the resources.
    new CfnOutput(this, 'SessionsTableName', { value: this.sessionsTable.tableName });
    new CfnOutput(this, 'PaymentsTableName', { value: this.paymentsTable.tableName });
    new CfnOutput(this, 'GrabQueueUrl', { value: this.grabQueue.queueUrl });
    new CfnOutput(this, 'GrabDeadLetterQueueUrl', { value: this.grabDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'SoftSignerSecretName', { value: this.softSignerSecret.secretName });
  }
}

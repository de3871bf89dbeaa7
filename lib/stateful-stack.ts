import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, ProjectionType, StreamViewType, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EXPIRES_AT_ATTRIBUTE } from '#core/retention.ts';
import { sessionIndexAttributes } from '#core/session-index.ts';
import { GRAB_VISIBILITY_TIMEOUT_MS, MAX_RECEIVES } from '#core/settings.ts';
import { STATEFUL_OUTPUT } from '#core/stack-outputs.ts';
import { AlarmTopic } from './constructs/alarm-topic.ts';
import { CallbackPartnerSecret } from './constructs/callback-partner-secret.ts';
import { GrabQueue } from './constructs/grab-queue.ts';
import { houseTable } from './constructs/house-table.ts';
import { SignerMaterial } from './constructs/signer-material.ts';
import type { StageConfig } from './stage-config.ts';
import { retentionProblems } from './stage-config-schema.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * The data and what protects it: the customer-managed keys, the tables, the grab queue with its DLQ,
 * the signer's material, the partner secrets and the alarm topic. Everything here outlives a redeploy
 * of the functions. Key shapes match local/resources.ts, which builds the same tables in the emulator.
 *
 * Key policies are CDK's default: the account may administer and use the keys, and IAM decides who
 * does; each function's role is granted exactly the KMS actions its use of a table, queue or secret
 * needs (see constructs/grants.ts). Data and secrets have separate keys, so a role that may decrypt
 * table traffic still cannot decrypt a signer secret.
 */
export class StatefulStack extends Stack {
  /** Encrypts the tables and the queues. */
  readonly dataKey: Key;
  /** Encrypts the secrets (signer key, proxy token, partner secrets). */
  readonly secretsKey: Key;
  /** One item per grab sessionID; queried by order and by state; items expire by `expiresAt`. */
  readonly sessionsTable: Table;
  /** Payments and their orders, addressed by `pk` only (see the payment store); items expire by `expiresAt`. */
  readonly paymentsTable: Table;
  /** The certificate registry: which key and certificate sign for each ebpCode. */
  readonly certificatesTable: Table;
  /** Clearance events, timelines and callback replay guards; items expire by `expiresAt`. */
  readonly clearanceTable: Table;
  readonly grabQueue: Queue;
  readonly grabDeadLetterQueue: Queue;
  /** Receives before a grab goes to the DLQ; the worker must be told the same number (MAX_RECEIVES). */
  readonly maxReceiveCount: number = MAX_RECEIVES;
  /** Consumers' function timeout must not exceed this. */
  readonly grabVisibilityTimeout = Duration.millis(GRAB_VISIBILITY_TIMEOUT_MS);
  readonly signerMaterial: SignerMaterial;
  /** The partners' HMAC secrets for clearance callbacks. */
  readonly callbackPartners: CallbackPartnerSecret;
  readonly alarmTopic: ITopic;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Tables holding bank accounts and names expire by TTL; never sooner than the law allows.
    const retention = retentionProblems(config);
    if (retention.length > 0) throw new Error(`stage ${config.stage}: ${retention.join('; ')}`);
    const retain = config.retainData;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.dataKey = new Key(this, 'DataKey', {
      description: `ceb-grab ${config.stage}: tables and queues`,
      enableKeyRotation: true,
      removalPolicy,
    });
    this.secretsKey = new Key(this, 'SecretsKey', {
      description: `ceb-grab ${config.stage}: signer and partner secrets`,
      enableKeyRotation: true,
      removalPolicy,
    });

    const key = this.dataKey;
    this.sessionsTable = houseTable(this, 'Sessions', {
      key,
      retain,
      partitionKey: { name: 'sessionID', type: AttributeType.STRING },
      // Kept config.retentionDays after its order's payment (core/retention.ts).
      timeToLiveAttribute: EXPIRES_AT_ATTRIBUTE,
    });
    this.sessionsTable.addGlobalSecondaryIndex({
      indexName: 'byOrder',
      partitionKey: { name: 'orderNo', type: AttributeType.STRING },
      sortKey: { name: 'receivedAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: sessionIndexAttributes(['sessionID', 'orderNo', 'receivedAt']),
    });
    this.sessionsTable.addGlobalSecondaryIndex({
      indexName: 'byState',
      partitionKey: { name: 'state', type: AttributeType.STRING },
      sortKey: { name: 'updatedAt', type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: sessionIndexAttributes(['sessionID', 'state', 'updatedAt']),
    });
    this.paymentsTable = houseTable(this, 'Payments', {
      key,
      retain,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      // Every write of a payment (intake, load, the platform's own) replays the grabs that waited for it.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      // Kept config.retentionDays after the payment's tradingTime (E-Commerce Law art. 31: three years).
      timeToLiveAttribute: EXPIRES_AT_ATTRIBUTE,
    });
    this.certificatesTable = houseTable(this, 'Certificates', {
      key,
      retain,
      partitionKey: { name: 'ebpCode', type: AttributeType.STRING },
    });
    this.clearanceTable = houseTable(this, 'Clearance', {
      key,
      retain,
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      // An order's timeline follows its payment's retention; replay markers expire within minutes.
      timeToLiveAttribute: EXPIRES_AT_ATTRIBUTE,
    });

    const grabs = new GrabQueue(this, 'Grabs', {
      key,
      maxReceiveCount: this.maxReceiveCount,
      visibilityTimeout: this.grabVisibilityTimeout,
    });
    this.grabQueue = grabs.queue;
    this.grabDeadLetterQueue = grabs.deadLetterQueue;

    this.signerMaterial = new SignerMaterial(this, 'Signer', {
      signer: config.signer,
      secretsKey: this.secretsKey,
      retain,
      stage: config.stage,
    });
    this.callbackPartners = new CallbackPartnerSecret(this, 'CallbackPartners', {
      key: this.secretsKey,
      retain,
      stage: config.stage,
    });
    this.alarmTopic = new AlarmTopic(this, 'Alarms', config.alarms).topic;

    this.outputs(config.retentionDays);
  }

  /** What the operator and the CLI (`ceb-grab <command> --stage <name>`) need to find the resources. */
  private outputs(retentionDays: number): void {
    const out = (id: string, value: string, description?: string) =>
      new CfnOutput(this, id, { value, ...(description ? { description } : {}) });
    out(STATEFUL_OUTPUT.sessionsTable, this.sessionsTable.tableName);
    out(STATEFUL_OUTPUT.paymentsTable, this.paymentsTable.tableName);
    out(STATEFUL_OUTPUT.certificatesTable, this.certificatesTable.tableName);
    out(STATEFUL_OUTPUT.clearanceTable, this.clearanceTable.tableName);
    out(STATEFUL_OUTPUT.grabQueueUrl, this.grabQueue.queueUrl);
    out(STATEFUL_OUTPUT.grabDeadLetterQueueUrl, this.grabDeadLetterQueue.queueUrl);
    out(STATEFUL_OUTPUT.alarmTopicArn, this.alarmTopic.topicArn);
    out(STATEFUL_OUTPUT.retentionDays, String(retentionDays));
    out(
      'CallbackPartnerSecretArn',
      this.callbackPartners.secret.secretArn,
      'Put the partners’ HMAC secrets here',
    );
    const { softSignerSecret, hsmProxyTokenSecret, sm2SigningKey } = this.signerMaterial;
    if (softSignerSecret) {
      out('SoftSignerSecretArn', softSignerSecret.secretArn, 'Put {"privateKeyPem","certificatePem"} here');
    }
    if (hsmProxyTokenSecret) {
      out('HsmProxyTokenSecretArn', hsmProxyTokenSecret.secretArn, 'Put the signing proxy’s token here');
    }
    if (sm2SigningKey) {
      out('Sm2SigningKeyArn', sm2SigningKey.keyArn, 'Register this key with its certificate in the registry');
    }
  }
}

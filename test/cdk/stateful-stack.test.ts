import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { SessionSchema } from '#core/session.ts';
import { MAX_RECEIVES, RETENTION_DAYS } from '#core/settings.ts';
import {
  OPERATOR_SETTING_OUTPUT,
  STATEFUL_OUTPUT,
  STATELESS_OUTPUT,
  stageStackNames,
} from '#core/stack-outputs.ts';
import { logicalId } from './iam.ts';
import { synthesize } from './synth.ts';

const synth = synthesize({ bundle: false, context: { alarmEmail: 'oncall@example.com,ops@example.com' } });
after(() => synth.cleanup());
const { stage, stateful } = synth;
const data = stage.stateful;
const id = (construct: IConstruct) => logicalId(data, construct);
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });

function resource(logicalId: string): { Properties: Record<string, unknown>; DeletionPolicy?: string } {
  const found = stateful.toJSON().Resources[logicalId];
  assert.ok(found, `no resource ${logicalId}`);
  return found;
}
const propsOf = (construct: IConstruct) => resource(id(construct)).Properties;

describe('stateful stack: tables', () => {
  // The same shapes local/resources.ts creates in the emulator; a drift breaks the functions in one place only.
  it('sessions: sessionID key, byOrder and byState indexes with all of a session but its stored upload', () => {
    const props = propsOf(data.sessionsTable);
    assert.deepEqual(props.KeySchema, [{ AttributeName: 'sessionID', KeyType: 'HASH' }]);
    assert.deepEqual(
      new Set(props.AttributeDefinitions as unknown[]),
      new Set([
        { AttributeName: 'sessionID', AttributeType: 'S' },
        { AttributeName: 'orderNo', AttributeType: 'S' },
        { AttributeName: 'receivedAt', AttributeType: 'N' },
        { AttributeName: 'state', AttributeType: 'S' },
        { AttributeName: 'updatedAt', AttributeType: 'N' },
      ]),
    );
    const indexes = Object.fromEntries(
      (props.GlobalSecondaryIndexes as { IndexName: string }[]).map(({ IndexName, ...rest }) => [
        IndexName,
        rest,
      ]),
    );
    // Every attribute a listing shows is there (new ones too); the payload, nearly all of an item, is not.
    const copied = (keys: string[]) => ({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: Object.keys(SessionSchema.entries).filter(
        (a) => a !== 'payExInfoStr' && !keys.includes(a),
      ),
    });
    assert.deepEqual(indexes, {
      byOrder: {
        KeySchema: [
          { AttributeName: 'orderNo', KeyType: 'HASH' },
          { AttributeName: 'receivedAt', KeyType: 'RANGE' },
        ],
        Projection: copied(['sessionID', 'orderNo', 'receivedAt']),
      },
      byState: {
        KeySchema: [
          { AttributeName: 'state', KeyType: 'HASH' },
          { AttributeName: 'updatedAt', KeyType: 'RANGE' },
        ],
        Projection: copied(['sessionID', 'state', 'updatedAt']),
      },
    });
    for (const index of Object.values(indexes) as { Projection: { NonKeyAttributes: string[] } }[]) {
      assert.ok(index.Projection.NonKeyAttributes.includes('customsCode'));
      assert.ok(!index.Projection.NonKeyAttributes.includes('payExInfoStr'));
    }
  });

  it('payments and certificates: one string partition key, no index', () => {
    for (const [table, key] of [
      [data.paymentsTable, 'pk'],
      [data.certificatesTable, 'ebpCode'],
    ] as const) {
      const props = propsOf(table);
      assert.deepEqual(props.KeySchema, [{ AttributeName: key, KeyType: 'HASH' }]);
      assert.deepEqual(props.AttributeDefinitions, [{ AttributeName: key, AttributeType: 'S' }]);
      assert.equal(props.GlobalSecondaryIndexes, undefined);
    }
  });

  it('clearance: pk and sk', () => {
    const props = propsOf(data.clearanceTable);
    assert.deepEqual(props.KeySchema, [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });

  it('payments, sessions and clearance timelines are deleted by TTL on expiresAt (the retention); certificates never', () => {
    for (const table of [data.paymentsTable, data.sessionsTable, data.clearanceTable]) {
      assert.deepEqual(
        propsOf(table).TimeToLiveSpecification,
        { AttributeName: 'expiresAt', Enabled: true },
        table.node.path,
      );
    }
    // The registry says which key signs: nothing in it expires on its own.
    assert.equal(propsOf(data.certificatesTable).TimeToLiveSpecification, undefined);
  });

  it('all four: on demand, point-in-time recovery, encrypted with the data key, protected and kept, unnamed', () => {
    stateful.resourceCountIs('AWS::DynamoDB::Table', 4);
    for (const table of [
      data.sessionsTable,
      data.paymentsTable,
      data.certificatesTable,
      data.clearanceTable,
    ]) {
      const found = resource(id(table));
      assert.equal(found.Properties.BillingMode, 'PAY_PER_REQUEST');
      assert.deepEqual(found.Properties.PointInTimeRecoverySpecification, {
        PointInTimeRecoveryEnabled: true,
      });
      assert.deepEqual(found.Properties.SSESpecification, {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: arnOf(data.dataKey),
      });
      assert.equal(found.Properties.DeletionProtectionEnabled, true);
      assert.equal(found.DeletionPolicy, 'Retain');
      assert.equal(found.Properties.TableName, undefined, 'no physical names: stages must not collide');
    }
  });
});

describe('stateful stack: keys', () => {
  it('data and secrets keys: customer managed, rotated yearly, kept; their policies name only this account', () => {
    for (const key of [data.dataKey, data.secretsKey]) {
      const found = resource(id(key));
      assert.equal(found.Properties.EnableKeyRotation, true);
      assert.equal(found.DeletionPolicy, 'Retain');
      // Only this account (CDK adds an account-via-Secrets-Manager statement to the secrets key, no wider).
      const statements = (found.Properties.KeyPolicy as { Statement: { Principal: unknown }[] }).Statement;
      for (const statement of statements) {
        assert.deepEqual(statement.Principal, {
          AWS: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
            ],
          },
        });
      }
    }
  });
});

describe('stateful stack: grab queue', () => {
  const grabQueueId = id(data.grabQueue);
  const dlqId = id(data.grabDeadLetterQueue);

  it('redrives to its DLQ after exactly the receives the worker is told about', () => {
    const props = resource(grabQueueId).Properties;
    assert.deepEqual(props.RedrivePolicy, {
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: MAX_RECEIVES,
    });
    // 6 × the worker timeout (AWS's advice for an SQS trigger)
    assert.equal(props.VisibilityTimeout, 120);
  });

  it('the DLQ itself has no DLQ and keeps messages for 14 days', () => {
    const props = resource(dlqId).Properties;
    assert.equal(props.RedrivePolicy, undefined);
    assert.equal(props.MessageRetentionPeriod, 14 * 24 * 3600);
  });

  it('both queues are encrypted with the data key and refuse plain-HTTP access', () => {
    for (const queue of [grabQueueId, dlqId]) {
      assert.deepEqual(resource(queue).Properties.KmsMasterKeyId, arnOf(data.dataKey));
      assert.equal(resource(queue).Properties.QueueName, undefined);
      stateful.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
            }),
          ]),
        },
      });
    }
  });
});

describe('stateful stack: secrets', () => {
  it('the soft signer secret starts as {privateKeyPem, certificatePem} placeholders, under the secrets key, kept', () => {
    const secret =
      data.signerMaterial.softSignerSecret ?? assert.fail('the test stage signs with a soft key');
    const found = resource(id(secret));
    assert.equal(found.DeletionPolicy, 'Retain');
    assert.deepEqual(found.Properties.KmsKeyId, arnOf(data.secretsKey));
    const generate = found.Properties.GenerateSecretString as { SecretStringTemplate: string };
    assert.deepEqual(Object.keys(JSON.parse(generate.SecretStringTemplate)).sort(), [
      'certificatePem',
      'privateKeyPem',
    ]);
    assert.equal(found.Properties.SecretString, undefined, 'no key material in the template');
  });

  it('the callback partner secrets start empty (every partner refused), under the secrets key, kept', () => {
    const found = resource(id(data.callbackPartners.secret));
    assert.equal(found.Properties.SecretString, '{}');
    assert.deepEqual(found.Properties.KmsKeyId, arnOf(data.secretsKey));
    assert.equal(found.DeletionPolicy, 'Retain');
  });

  it('only the chosen signer’s material exists: no proxy token secret, no signing key for a soft signer', () => {
    assert.equal(data.signerMaterial.hsmProxyTokenSecret, undefined);
    assert.equal(data.signerMaterial.sm2SigningKey, undefined);
    stateful.resourceCountIs('AWS::SecretsManager::Secret', 2);
    stateful.resourceCountIs('AWS::KMS::Key', 3);
  });
});

describe('stateful stack: alarm topic', () => {
  const topics = stateful.findResources('AWS::SNS::Topic');
  const [topicId] = Object.keys(topics);
  const topicKeyArn = topics[topicId ?? '']?.Properties.KmsMasterKeyId;

  it('is encrypted with its own key, which CloudWatch may use to publish', () => {
    const [keyId] = topicKeyArn['Fn::GetAtt'];
    assert.notEqual(keyId, id(data.dataKey));
    const policy = resource(keyId).Properties.KeyPolicy as { Statement: unknown[] };
    assert.ok(
      policy.Statement.some(
        (s) =>
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }).test(s).isSuccess,
      ),
    );
  });

  it('takes TLS only, and CloudWatch alarms of this account may publish', () => {
    stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('e-mails each configured address', () => {
    const subscriptions = Object.values(stateful.findResources('AWS::SNS::Subscription'));
    assert.deepEqual(
      subscriptions.map((s) => [s.Properties.Protocol, s.Properties.Endpoint, s.Properties.TopicArn]),
      [
        ['email', 'oncall@example.com', { Ref: topicId }],
        ['email', 'ops@example.com', { Ref: topicId }],
      ],
    );
  });
});

describe('stateful stack: what `ceb-grab --stage` reads', () => {
  it('is named as the CLI looks for it', () => {
    assert.equal(data.stackName, stageStackNames(synth.config.stage).stateful);
    assert.equal(stage.stateless.stackName, stageStackNames(synth.config.stage).stateless);
  });

  it('declares an output for every operator setting, each the reference to its own table or queue', () => {
    const outputs = stateful.toJSON().Outputs as Record<string, { Value: unknown }>;
    const ref = (construct: IConstruct) => ({ Ref: id(construct) });
    const expected: Record<keyof typeof OPERATOR_SETTING_OUTPUT, unknown> = {
      SESSIONS_TABLE: ref(data.sessionsTable),
      PAYMENTS_TABLE: ref(data.paymentsTable),
      CERTIFICATES_TABLE: ref(data.certificatesTable),
      CLEARANCE_TABLE: ref(data.clearanceTable),
      GRAB_QUEUE_URL: ref(data.grabQueue),
      GRAB_DLQ_URL: ref(data.grabDeadLetterQueue),
      RETENTION_DAYS: String(RETENTION_DAYS),
    };
    for (const [setting, output] of Object.entries(OPERATOR_SETTING_OUTPUT)) {
      assert.deepEqual(
        outputs[output]?.Value,
        expected[setting as keyof typeof expected],
        `${output} (${setting})`,
      );
    }
    assert.deepEqual(outputs[STATEFUL_OUTPUT.alarmTopicArn]?.Value, ref(data.alarmTopic));
  });

  it('the stateless stack declares the URLs the README tells operators to read', () => {
    const outputs = synth.stateless.toJSON().Outputs as Record<string, unknown>;
    for (const output of Object.values(STATELESS_OUTPUT)) assert.ok(outputs[output], `no output ${output}`);
  });
});

describe('cdk-nag', () => {
  it('AwsSolutions: no unsuppressed finding', () => {
    assert.deepEqual(synth.nagFindings(), []);
  });
});

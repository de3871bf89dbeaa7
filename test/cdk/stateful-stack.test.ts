import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { DEFAULT_MAX_RECEIVES } from '#functions/config.ts';
import { synthesize } from './synth.ts';

const synth = synthesize();
after(() => synth.cleanup());
const { stage, stateful } = synth;
/** The logical ID of an L2 construct's CloudFormation resource. */
const id = (construct: IConstruct) => stage.stateful.getLogicalId(construct.node.defaultChild as CfnElement);

function resource(logicalId: string): { Properties: Record<string, unknown>; DeletionPolicy?: string } {
  const found = stateful.toJSON().Resources[logicalId];
  assert.ok(found, `no resource ${logicalId}`);
  return found;
}

describe('stateful stack: tables', () => {
  // The same shapes local/resources.ts creates in the emulator; a drift breaks the functions in one place only.
  it('sessions: sessionID key, byOrder and byState indexes with everything projected', () => {
    const props = resource(id(stage.stateful.sessionsTable)).Properties;
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
    assert.deepEqual(indexes, {
      byOrder: {
        KeySchema: [
          { AttributeName: 'orderNo', KeyType: 'HASH' },
          { AttributeName: 'receivedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      byState: {
        KeySchema: [
          { AttributeName: 'state', KeyType: 'HASH' },
          { AttributeName: 'updatedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    });
  });

  it('payments: addressed by pk alone, no index', () => {
    const props = resource(id(stage.stateful.paymentsTable)).Properties;
    assert.deepEqual(props.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
    assert.deepEqual(props.AttributeDefinitions, [{ AttributeName: 'pk', AttributeType: 'S' }]);
    assert.equal(props.GlobalSecondaryIndexes, undefined);
  });

  it('both tables: on demand, point-in-time recovery, encrypted, kept when the stack goes', () => {
    stateful.resourceCountIs('AWS::DynamoDB::Table', 2);
    for (const table of [stage.stateful.sessionsTable, stage.stateful.paymentsTable]) {
      const found = resource(id(table));
      assert.equal(found.Properties.BillingMode, 'PAY_PER_REQUEST');
      assert.deepEqual(found.Properties.PointInTimeRecoverySpecification, {
        PointInTimeRecoveryEnabled: true,
      });
      assert.deepEqual(found.Properties.SSESpecification, { SSEEnabled: true });
      assert.equal(found.DeletionPolicy, 'Retain');
      assert.equal(found.Properties.TableName, undefined, 'no physical names: stages must not collide');
    }
  });
});

describe('stateful stack: grab queue', () => {
  const grabQueueId = id(stage.stateful.grabQueue);
  const dlqId = id(stage.stateful.grabDeadLetterQueue);

  it('redrives to its DLQ after exactly the receives the worker is told about', () => {
    const props = resource(grabQueueId).Properties;
    assert.deepEqual(props.RedrivePolicy, {
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: DEFAULT_MAX_RECEIVES,
    });
    assert.equal(props.VisibilityTimeout, 30);
  });

  it('the DLQ itself has no DLQ and keeps messages for 14 days', () => {
    const props = resource(dlqId).Properties;
    assert.equal(props.RedrivePolicy, undefined);
    assert.equal(props.MessageRetentionPeriod, 14 * 24 * 3600);
  });

  it('both queues are encrypted and refuse plain-HTTP access', () => {
    for (const queue of [grabQueueId, dlqId]) {
      assert.equal(resource(queue).Properties.SqsManagedSseEnabled, true);
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

describe('stateful stack: soft signer secret', () => {
  it('starts as {privateKeyPem, certificatePem} placeholders and is kept when the stack goes', () => {
    const found = resource(id(stage.stateful.softSignerSecret));
    assert.equal(found.DeletionPolicy, 'Retain');
    const generate = found.Properties.GenerateSecretString as { SecretStringTemplate: string };
    assert.deepEqual(Object.keys(JSON.parse(generate.SecretStringTemplate)).sort(), [
      'certificatePem',
      'privateKeyPem',
    ]);
    assert.equal(found.Properties.SecretString, undefined, 'no key material in the template');
  });
});

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { grantsOf, logicalId } from './iam.ts';
import { synthesize } from './synth.ts';

/**
 * prod in cn-north-1 (partition aws-cn) with everything optional turned on: an SM2 key made by the stack
 * plus an existing one, the worker in a VPC, and the plain-http CloudFront front. The region is explicit
 * (no account), so CDK writes partition literals and checks that every resource type exists there.
 */
const EXISTING_KEY = 'arn:aws-cn:kms:cn-north-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const RANGES = ['203.0.113.0/24', '198.51.100.7/32'];
const synth = synthesize({
  bundle: false,
  context: {
    stage: 'prod',
    region: 'cn-north-1',
    customsSourceRanges: RANGES.join(','),
    plainHttpFront: 'true',
  },
  config: {
    signer: { kind: 'kms', createSm2Key: true, keyArns: [EXISTING_KEY] },
    workerNetwork: {
      vpcId: 'vpc-0a1b2c3d',
      subnetIds: ['subnet-0a1b2c3d', 'subnet-1a2b3c4d'],
      securityGroupIds: ['sg-0a1b2c3d4e'],
    },
  },
});
after(() => synth.cleanup());
const { stage, stateful, stateless, imported } = synth;
const data = stage.stateful;
const { uploadWorker } = stage.stateless;
const templates = { stateful, stateless };
const fnProps = stateless.toJSON().Resources[logicalId(stage.stateless, uploadWorker)].Properties;

describe('China region (cn-north-1, aws-cn)', () => {
  it('both stacks are pinned to cn-north-1 without an account (no lookups)', () => {
    for (const stack of [data, stage.stateless]) {
      assert.equal(stack.region, 'cn-north-1');
      assert.equal(stack.partition, 'aws-cn');
    }
  });

  it('every literal ARN is an aws-cn ARN; the rest use the AWS::Partition pseudo parameter', () => {
    for (const [name, template] of Object.entries(templates)) {
      const text = JSON.stringify(template.toJSON());
      assert.ok(!/arn:aws:/.test(text), `${name}: an arn:aws: ARN would not resolve in the China regions`);
      assert.ok(!text.includes('amazonaws.com.cn"'), `${name}: no .cn service principals`);
    }
    assert.match(JSON.stringify(stateless.toJSON()), /arn:aws-cn:/);
  });

  it('service principals are the plain <service>.amazonaws.com names the China regions accept', () => {
    const principals = (text: string) => [...new Set(text.match(/"Service":"[^"]+"/g))].sort();
    assert.deepEqual(principals(JSON.stringify(stateless.toJSON())), [
      '"Service":"apigateway.amazonaws.com"',
      '"Service":"lambda.amazonaws.com"',
    ]);
    assert.deepEqual(principals(JSON.stringify(stateful.toJSON())), ['"Service":"cloudwatch.amazonaws.com"']);
  });

  it('cdk-nag: no unsuppressed finding with every option on', () => {
    assert.deepEqual(synth.nagFindings(), []);
  });
});

describe('KMS signer (SM2)', () => {
  const sm2Key = data.signerMaterial.sm2SigningKey ?? assert.fail('createSm2Key makes a key');

  it('the stack makes one SM2 SIGN_VERIFY key, kept when the stack goes', () => {
    const key = stateful.toJSON().Resources[logicalId(data, sm2Key)];
    assert.equal(key.Properties.KeySpec, 'SM2');
    assert.equal(key.Properties.KeyUsage, 'SIGN_VERIFY');
    assert.equal(key.DeletionPolicy, 'Retain');
  });

  it('the worker may Sign, GetPublicKey and DescribeKey with exactly the configured and the created key', () => {
    const names = new Map([
      [JSON.stringify(imported(sm2Key.keyArn)), 'created-sm2-key'],
      [JSON.stringify(EXISTING_KEY), 'existing-key'],
    ]);
    const signing = grantsOf(
      stateless,
      stage.stateless,
      uploadWorker,
      (r) => names.get(JSON.stringify(r)) ?? '?',
    ).filter((g) => /kms:(Sign|GetPublicKey)/.test(g) || /key$/.test(g));
    assert.deepEqual(signing, [
      'kms:DescribeKey created-sm2-key',
      'kms:DescribeKey existing-key',
      'kms:GetPublicKey created-sm2-key',
      'kms:GetPublicKey existing-key',
      'kms:Sign created-sm2-key',
      'kms:Sign existing-key',
    ]);
  });

  it('SIGNER_KIND=kms with the certificate registry; no soft secret made or passed', () => {
    const env = fnProps.Environment.Variables;
    assert.equal(env.SIGNER_KIND, 'kms');
    assert.deepEqual(env.CERTIFICATES_TABLE, imported(data.certificatesTable.tableName));
    assert.equal(env.SOFT_SIGNER_SECRET_ID, undefined);
    assert.equal(data.signerMaterial.softSignerSecret, undefined);
    const grants = grantsOf(stateless, stage.stateless, uploadWorker, () => '');
    assert.ok(!grants.some((g) => g.startsWith('secretsmanager:')), 'a KMS signer reads no secret');
  });
});

describe('worker network', () => {
  it('the worker runs in the configured subnets and security groups, with the ENI policy Lambda needs', () => {
    assert.deepEqual(fnProps.VpcConfig, {
      SubnetIds: ['subnet-0a1b2c3d', 'subnet-1a2b3c4d'],
      SecurityGroupIds: ['sg-0a1b2c3d4e'],
    });
    const role = stateless.toJSON().Resources[logicalId(stage.stateless, uploadWorker.executionRole)];
    assert.deepEqual(role.Properties.ManagedPolicyArns, [
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
          ],
        ],
      },
    ]);
  });
});

describe('plain-http CloudFront front', () => {
  const [distribution] = Object.values(stateless.findResources('AWS::CloudFront::Distribution'));
  const config = distribution?.Properties.DistributionConfig;

  it('answers http and https, forwards to the API stage uncached, adding the API key header', () => {
    const behavior = config.DefaultCacheBehavior;
    assert.equal(behavior.ViewerProtocolPolicy, 'allow-all');
    assert.deepEqual(behavior.AllowedMethods.sort(), [
      'DELETE',
      'GET',
      'HEAD',
      'OPTIONS',
      'PATCH',
      'POST',
      'PUT',
    ]);
    const [origin] = config.Origins;
    const stageId = logicalId(stage.stateless, stage.stateless.grabApi.api.deploymentStage);
    assert.deepEqual(origin.OriginPath, { 'Fn::Join': ['', ['/', { Ref: stageId }]] });
    assert.equal(origin.CustomOriginConfig.OriginProtocolPolicy, 'https-only');
    assert.deepEqual(
      origin.OriginCustomHeaders.map((h: { HeaderName: string }) => h.HeaderName),
      ['x-api-key'],
    );
  });

  it('the API then requires that key on platDataOpen and admits it from anywhere in its policy', () => {
    const methods = Object.values(stateless.findResources('AWS::ApiGateway::Method'));
    assert.equal(methods.filter((m) => m.Properties.ApiKeyRequired === true).length, 1);
    stateless.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    const [api] = Object.values(stateless.findResources('AWS::ApiGateway::RestApi'));
    const grab = api?.Properties.Policy.Statement.filter(
      (s: { Resource: string }) => s.Resource === 'execute-api:/*/POST/platDataOpen',
    );
    assert.deepEqual(
      grab.map((s: { Effect: string; Condition?: unknown }) => [s.Effect, s.Condition]),
      [['Allow', undefined]],
    );
  });

  it('a regional web ACL on the stage blocks grabs whose CloudFront-seen address is not a customs range', () => {
    const [ipSet] = Object.values(stateless.findResources('AWS::WAFv2::IPSet'));
    assert.deepEqual(ipSet?.Properties.Addresses, RANGES);
    const [acl] = Object.values(stateless.findResources('AWS::WAFv2::WebACL'));
    assert.ok(acl, 'a web ACL');
    assert.deepEqual(acl.Properties.DefaultAction, { Allow: {} });
    const [rule] = acl.Properties.Rules;
    assert.deepEqual(rule.Action, { Block: {} });
    const [path, notCustoms] = rule.Statement.AndStatement.Statements;
    assert.equal(path.ByteMatchStatement.SearchString, '/platdataopen');
    assert.deepEqual(notCustoms.NotStatement.Statement.IPSetReferenceStatement.IPSetForwardedIPConfig, {
      HeaderName: 'X-Forwarded-For',
      Position: 'LAST',
      FallbackBehavior: 'NO_MATCH',
    });
    assert.ok(
      !JSON.stringify(acl).includes('ManagedRuleGroup'),
      'no managed rules that could block Apache-HttpClient',
    );
    stateless.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('the URL to register is the distribution’s, on plain http', () => {
    const outputs = stateless.toJSON().Outputs;
    const url = JSON.stringify(outputs.PlatDataOpenUrl.Value);
    assert.match(url, /http:\/\//);
    assert.match(url, /\/platDataOpen/);
  });
});

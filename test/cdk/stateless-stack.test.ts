import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { App, type CfnElement, Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { IConstruct } from 'constructs';
import { DEFAULT_MAX_RECEIVES } from '#functions/config.ts';
import type { HouseFunction } from '../../lib/constructs/house-function.ts';
import { STAGES } from '../../lib/stage-config.ts';
import { StatelessStack } from '../../lib/stateless-stack.ts';
import { synthesize } from './synth.ts';

const synth = synthesize();
after(() => synth.cleanup());
const { stage, stateless, imported } = synth;
const { grabRequest, uploadWorker } = stage.stateless;
const data = stage.stateful;

const id = (construct: IConstruct) => stage.stateless.getLogicalId(construct.node.defaultChild as CfnElement);
// Template JSON is untyped by nature; the assertions below say what shape they expect.
const resources = stateless.toJSON().Resources;
const fnProps = (fn: HouseFunction) =>
  resources[id(fn)]?.Properties ?? assert.fail(`no function ${fn.node.path}`);

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}
const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** Every statement of every inline policy attached to the function's role. */
function statementsOf(fn: HouseFunction): Statement[] {
  const role = { Ref: id(fn.role ?? assert.fail('function has no role')) };
  return Object.values(stateless.findResources('AWS::IAM::Policy'))
    .filter((p) => list(p.Properties.Roles).some((r) => isDeepStrictEqual(r, role)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Whether `needle` (e.g. a table ARN reference) occurs anywhere inside `haystack`. */
function mentions(haystack: unknown, needle: unknown): boolean {
  if (isDeepStrictEqual(haystack, needle)) return true;
  if (haystack === null || typeof haystack !== 'object') return false;
  return Object.values(haystack).some((v) => mentions(v, needle));
}

/** The actions a function is allowed on anything that mentions `target`. */
const actionsOn = (fn: HouseFunction, target: unknown) =>
  new Set(
    statementsOf(fn)
      .filter((s) => s.Effect === 'Allow' && mentions(s.Resource, target))
      .flatMap((s) => list(s.Action)),
  );

const tracingOnly = (s: Statement) => list(s.Action).every((a) => a.startsWith('xray:'));

describe('API: POST /platDataOpen', () => {
  it('is the only route, a Lambda proxy integration to grab-request', () => {
    stateless.resourceCountIs('AWS::ApiGateway::Method', 1);
    const [pathId] = Object.keys(
      stateless.findResources('AWS::ApiGateway::Resource', { Properties: { PathPart: 'platDataOpen' } }),
    );
    assert.ok(pathId, 'no /platDataOpen resource');
    stateless.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: pathId },
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [id(grabRequest), 'Arn'] }])] },
      },
    });
  });

  it('API Gateway may invoke grab-request for that route only', () => {
    const permissions = Object.values(stateless.findResources('AWS::Lambda::Permission'));
    assert.equal(permissions.length, 1);
    const [permission] = permissions;
    assert.deepEqual(permission?.Properties.FunctionName, { 'Fn::GetAtt': [id(grabRequest), 'Arn'] });
    assert.equal(permission?.Properties.Principal, 'apigateway.amazonaws.com');
    const sourceArn = permission?.Properties.SourceArn['Fn::Join'][1] as unknown[];
    assert.equal(sourceArn.at(-1), '/POST/platDataOpen');
  });

  it('stage is throttled, traced and access-logged; no WAF in front to turn away Apache-HttpClient', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: STAGES.test.apiThrottle.rateLimit,
          ThrottlingBurstLimit: STAGES.test.apiThrottle.burstLimit,
        }),
      ],
    });
    stateless.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });
});

describe('upload-worker consumes the grab queue', () => {
  it('one event source: the grab queue (not the DLQ), batches of 10, reporting batch item failures', () => {
    const mappings = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping'));
    assert.equal(mappings.length, 1);
    const props = mappings[0]?.Properties;
    assert.deepEqual(props.FunctionName, { Ref: id(uploadWorker) });
    assert.deepEqual(props.EventSourceArn, imported(data.grabQueue.queueArn));
    assert.deepEqual(props.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(props.BatchSize, 10);
    assert.ok(props.MaximumBatchingWindowInSeconds <= 5, 'grabs must not wait long for a batch to fill');
  });

  it('the worker is told the same receive count as the queue redrives after', () => {
    assert.equal(data.maxReceiveCount, DEFAULT_MAX_RECEIVES);
    assert.equal(fnProps(uploadWorker).Environment.Variables.MAX_RECEIVES, String(DEFAULT_MAX_RECEIVES));
  });

  it('synthesis fails when the worker could outlive the queue visibility timeout', () => {
    assert.throws(
      () =>
        new StatelessStack(new App(), 'Broken', {
          config: STAGES.test,
          resources: { ...data, grabVisibilityTimeout: Duration.seconds(10) },
        }),
      /visibility timeout/,
    );
  });
});

describe('environment: each function is pointed at the right resources', () => {
  it('grab-request gets the sessions table and the grab queue, nothing of the worker', () => {
    const env = fnProps(grabRequest).Environment.Variables;
    assert.deepEqual(env.SESSIONS_TABLE, imported(data.sessionsTable.tableName));
    assert.deepEqual(env.GRAB_QUEUE_URL, imported(data.grabQueue.queueUrl));
    for (const name of ['PAYMENTS_TABLE', 'SOFT_SIGNER_SECRET_ID', 'CUSTOMS_UPLOAD_URL']) {
      assert.equal(env[name], undefined, `${name} must not reach grab-request`);
    }
  });

  it('upload-worker gets both tables, the signer secret and the test customs endpoint', () => {
    const env = fnProps(uploadWorker).Environment.Variables;
    assert.deepEqual(env.SESSIONS_TABLE, imported(data.sessionsTable.tableName));
    assert.deepEqual(env.PAYMENTS_TABLE, imported(data.paymentsTable.tableName));
    assert.deepEqual(env.SOFT_SIGNER_SECRET_ID, imported(data.softSignerSecret.secretArn));
    assert.equal(env.SIGNER_KIND, 'soft');
    assert.equal(
      env.CUSTOMS_UPLOAD_URL,
      'https://swapptest.singlewindow.cn/ceb2grab/grab/realTimeDataUpload',
    );
  });
});

describe('least privilege', () => {
  const sessionsArn = imported(data.sessionsTable.tableArn);
  const paymentsArn = imported(data.paymentsTable.tableArn);
  const grabQueueArn = imported(data.grabQueue.queueArn);
  const secretArn = imported(data.softSignerSecret.secretArn);

  it('grab-request may put/update sessions and send to the grab queue, and nothing else', () => {
    const granted = statementsOf(grabRequest).filter((s) => !tracingOnly(s));
    assert.deepEqual(
      granted.map((s) => ({ Action: list(s.Action).sort(), Resource: s.Resource })),
      [
        { Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: sessionsArn },
        { Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], Resource: grabQueueArn },
      ],
    );
    assert.ok(!mentions(granted, paymentsArn), 'grab-request must not reach the payments table');
    const role = resources[id(grabRequest.role ?? assert.fail('no role'))]?.Properties;
    assert.deepEqual(
      role.ManagedPolicyArns.map((arn: { 'Fn::Join': [string, unknown[]] }) => arn['Fn::Join'][1].at(-1)),
      [':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      'only the basic logging policy is managed',
    );
    assert.ok(!mentions(granted, secretArn), 'grab-request must not reach the signer secret');
  });

  it('upload-worker reads payments but cannot change them', () => {
    assert.deepEqual(
      actionsOn(uploadWorker, paymentsArn),
      new Set(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']),
    );
  });

  it('upload-worker reads and updates sessions (by key and through the indexes) but never creates or deletes them', () => {
    const onSessions = actionsOn(uploadWorker, sessionsArn);
    for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'])
      assert.ok(onSessions.has(action), action);
    for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
      assert.ok(!onSessions.has(action), action);
    const indexes = { 'Fn::Join': ['', [sessionsArn, '/index/*']] };
    assert.ok(
      actionsOn(uploadWorker, indexes).has('dynamodb:Query'),
      'the byOrder/byState indexes must be queryable',
    );
  });

  it('upload-worker reads exactly the signer secret, and consumes (never sends to) the grab queue', () => {
    const secretStatements = statementsOf(uploadWorker).filter((s) =>
      list(s.Action).some((a) => a.startsWith('secretsmanager:')),
    );
    assert.deepEqual(
      secretStatements.map((s) => s.Resource),
      [secretArn],
    );
    assert.ok(list(secretStatements[0]?.Action ?? []).includes('secretsmanager:GetSecretValue'));
    const onQueue = actionsOn(uploadWorker, grabQueueArn);
    assert.ok(onQueue.has('sqs:ReceiveMessage') && onQueue.has('sqs:DeleteMessage'));
    assert.ok(!onQueue.has('sqs:SendMessage'));
  });

  it('no function is granted anything on "*" except X-Ray tracing', () => {
    for (const fn of [grabRequest, uploadWorker]) {
      const wildcard = statementsOf(fn).filter((s) => list(s.Resource).includes('*') && !tracingOnly(s));
      assert.deepEqual(wildcard, [], fn.node.path);
    }
  });
});

describe('house function', () => {
  for (const fn of [grabRequest, uploadWorker]) {
    it(`${fn.node.id}: Node 22 on ARM64, traced, source maps on, its own log group with a retention`, () => {
      const props = fnProps(fn);
      assert.equal(props.Runtime, 'nodejs22.x');
      assert.deepEqual(props.Architectures, ['arm64']);
      assert.deepEqual(props.TracingConfig, { Mode: 'Active' });
      assert.equal(props.Handler, 'index.handler');
      assert.equal(props.Environment.Variables.NODE_OPTIONS, '--enable-source-maps');
      assert.deepEqual(props.LoggingConfig.LogGroup, { Ref: id(fn.logGroup) });
      assert.equal(resources[id(fn.logGroup)]?.Properties.RetentionInDays, STAGES.test.logRetention);
    });

    it(`${fn.node.id}: bundled as minified ESM with a source map and a require shim`, () => {
      const asset = fn.node.findChild('Code') as Asset;
      const dir = join(synth.outdir, asset.assetPath);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      assert.match(
        code.slice(0, 200),
        /createRequire.*import\.meta\.url/,
        'CommonJS dependencies need require',
      );
      assert.match(
        code,
        /export\s*\{[^}]*\bas handler\s*\}|export\s*\{\s*handler\s*\}/,
        'the bundle must export handler',
      );
      assert.ok(existsSync(join(dir, 'index.mjs.map')), 'source map');
      assert.ok(code.length / code.split('\n').length > 1000, 'minified (long lines, no indentation)');
    });
  }

  it('the grab-request bundle loads in Node and exports a handler function', async () => {
    const asset = grabRequest.node.findChild('Code') as Asset;
    const saved = { ...process.env };
    // Only what its config reads at cold start; nothing is called, so no AWS is needed.
    Object.assign(process.env, {
      SESSIONS_TABLE: 'sessions',
      GRAB_QUEUE_URL: 'https://sqs.invalid/q',
      AWS_REGION: 'cn-north-1',
    });
    try {
      const mod = (await import(pathToFileURL(join(synth.outdir, asset.assetPath, 'index.mjs')).href)) as {
        handler?: unknown;
      };
      assert.equal(typeof mod.handler, 'function');
    } finally {
      process.env = saved;
    }
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { App, Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { IConstruct } from 'constructs';
import {
  MAX_RECEIVES,
  REPLAY_MARKER_KEY_PREFIX,
  SWEEP_INTERVAL_MS,
  WORKER_MAX_CONCURRENCY,
  WORKER_TIMEOUT_MS,
} from '#core/settings.ts';
import { CALLBACK_THROTTLE, STATUS_THROTTLE } from '../../lib/constructs/grab-api.ts';
import { grabApiPolicy } from '../../lib/constructs/grab-api-policy.ts';
import { LAZY_SDK_MODULES } from '../../lib/constructs/house-bundling.ts';
import type { HouseFunction } from '../../lib/constructs/house-function.ts';
import { STAGES } from '../../lib/stage-config.ts';
import { StatelessStack } from '../../lib/stateless-stack.ts';
import { grantsOf, list, logicalId, mentions, statementsOf } from './iam.ts';
import { synthesize } from './synth.ts';

const CUSTOMS_RANGES = ['203.0.113.0/24', '198.51.100.7/32'];
const synth = synthesize({ context: { customsSourceRanges: CUSTOMS_RANGES.join(',') } });
after(() => synth.cleanup());
const { stage, stateless, imported } = synth;
const {
  grabRequest,
  uploadWorker,
  clearanceCallback,
  orderStatus,
  sweepSessions,
  paymentIntake,
  paymentsStream,
} = stage.stateless;
const data = stage.stateful;
const functions = [
  grabRequest,
  uploadWorker,
  clearanceCallback,
  orderStatus,
  sweepSessions,
  paymentIntake,
  paymentsStream,
];

const id = (construct: IConstruct) => logicalId(stage.stateless, construct);
// Template JSON is untyped by nature; the assertions below say what shape they expect.
const resources = stateless.toJSON().Resources;
const fnProps = (fn: HouseFunction) =>
  resources[id(fn)]?.Properties ?? assert.fail(`no function ${fn.node.path}`);
const envOf = (fn: HouseFunction): Record<string, unknown> => fnProps(fn).Environment.Variables;

/** Readable names for the stateful resources, as the stateless template refers to them. */
const NAMES = new Map<string, string>();
const nameIt = (value: string, name: string) => NAMES.set(JSON.stringify(imported(value)), name);
for (const [table, name] of [
  [data.sessionsTable, 'sessions'],
  [data.paymentsTable, 'payments'],
  [data.certificatesTable, 'certificates'],
  [data.clearanceTable, 'clearance'],
] as const) {
  nameIt(table.tableArn, name);
  NAMES.set(JSON.stringify({ 'Fn::Join': ['', [imported(table.tableArn), '/index/*']] }), `${name}/index/*`);
}
nameIt(data.paymentsTable.tableStreamArn ?? assert.fail('payments stream'), 'payments-stream');
nameIt(data.grabQueue.queueArn, 'grab-queue');
nameIt(data.grabDeadLetterQueue.queueArn, 'dlq');
nameIt(data.dataKey.keyArn, 'data-key');
nameIt(data.secretsKey.keyArn, 'secrets-key');
nameIt(data.callbackPartners.secret.secretArn, 'partner-secret');
nameIt(
  data.signerMaterial.softSignerSecret?.secretArn ?? assert.fail('soft signer secret'),
  'soft-signer-secret',
);
const name = (resource: unknown) => NAMES.get(JSON.stringify(resource)) ?? JSON.stringify(resource);
const grants = (fn: HouseFunction) => grantsOf(stateless, stage.stateless, fn, name);

const DYNAMODB_KEY_WRITE = ['Decrypt', 'DescribeKey', 'Encrypt', 'GenerateDataKey*', 'ReEncrypt*'];

describe('API', () => {
  const methods = Object.values(stateless.findResources('AWS::ApiGateway::Method'));
  const pathIds = new Map(
    Object.entries(stateless.findResources('AWS::ApiGateway::Resource')).map(([k, r]) => [
      k,
      r.Properties.PathPart,
    ]),
  );
  // Template JSON is untyped; a method names its path resource by Ref.
  const route = (method: { [key: string]: { ResourceId: { Ref: string } } }) =>
    pathIds.get(method.Properties?.ResourceId.Ref ?? '');

  it('four routes, each a Lambda proxy integration to its own function', () => {
    const expected = [
      { path: 'platDataOpen', http: 'POST', auth: 'NONE', fn: grabRequest },
      { path: 'callback', http: 'POST', auth: 'NONE', fn: clearanceCallback },
      { path: 'status', http: 'GET', auth: 'AWS_IAM', fn: orderStatus },
      { path: 'payments', http: 'POST', auth: 'AWS_IAM', fn: paymentIntake },
    ];
    assert.equal(methods.length, expected.length);
    for (const want of expected) {
      const method = methods.find((m) => route(m) === want.path) ?? assert.fail(`no ${want.path} route`);
      assert.equal(method.Properties.HttpMethod, want.http, want.path);
      assert.equal(method.Properties.AuthorizationType, want.auth, want.path);
      assert.equal(method.Properties.Integration.Type, 'AWS_PROXY');
      assert.ok(
        mentions(method.Properties.Integration.Uri, { 'Fn::GetAtt': [id(want.fn), 'Arn'] }),
        want.path,
      );
    }
  });

  it('the status route is IAM-authorized under /orders/{orderNo}/status, its path parameter required', () => {
    const status = methods.find((m) => route(m) === 'status') ?? assert.fail('no status route');
    assert.deepEqual(status.Properties.RequestParameters, { 'method.request.path.orderNo': true });
    assert.ok(status.Properties.RequestValidatorId, 'a validator enforces the path parameter');
    assert.deepEqual([...pathIds.values()].sort(), [
      'callback',
      'clearance',
      'orders',
      'payments',
      'platDataOpen',
      'status',
      '{orderNo}',
    ]);
  });

  it('API Gateway may invoke each function for its own route only', () => {
    const permissions = Object.values(stateless.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal !== 'events.amazonaws.com',
    );
    const byFunction = Object.fromEntries(
      permissions.map((p) => [
        p.Properties.FunctionName['Fn::GetAtt'][0],
        (p.Properties.SourceArn['Fn::Join'][1] as unknown[]).at(-1),
      ]),
    );
    assert.deepEqual(byFunction, {
      [id(grabRequest)]: '/POST/platDataOpen',
      [id(clearanceCallback)]: '/POST/clearance/callback',
      [id(orderStatus)]: '/GET/orders/*/status',
      [id(paymentIntake)]: '/POST/payments',
    });
    for (const p of permissions) assert.equal(p.Properties.Principal, 'apigateway.amazonaws.com');
  });

  it("each route is throttled apart: callbacks and status reads never use customs' grabs' share", () => {
    const stages = Object.values(stateless.findResources('AWS::ApiGateway::Stage'));
    const settings = stages[0]?.Properties.MethodSettings as {
      HttpMethod: string;
      ResourcePath: string;
      ThrottlingRateLimit: number;
      ThrottlingBurstLimit: number;
    }[];
    const limits = Object.fromEntries(
      settings
        .filter((m) => m.ResourcePath !== '/*')
        .map((m) => [`${m.HttpMethod} ${m.ResourcePath}`, [m.ThrottlingRateLimit, m.ThrottlingBurstLimit]]),
    );
    // API Gateway's method paths escape `/` as `~1`
    assert.deepEqual(limits, {
      'POST /~1platDataOpen': [STAGES.test.apiThrottle.rateLimit, STAGES.test.apiThrottle.burstLimit],
      'POST /~1clearance~1callback': [CALLBACK_THROTTLE.rateLimit, CALLBACK_THROTTLE.burstLimit],
      'GET /~1orders~1{orderNo}~1status': [STATUS_THROTTLE.rateLimit, STATUS_THROTTLE.burstLimit],
    });
  });

  it('resource policy: platDataOpen from customs ranges only, the callback from anywhere, status not opened', () => {
    const [api] = Object.values(stateless.findResources('AWS::ApiGateway::RestApi'));
    const statements = api?.Properties.Policy.Statement as Record<string, unknown>[];
    const grab = 'execute-api:/*/POST/platDataOpen';
    assert.deepEqual(
      statements.map(({ Sid: _, ...s }) => s),
      [
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'execute-api:Invoke',
          Resource: 'execute-api:/*/POST/clearance/callback',
        },
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'execute-api:Invoke',
          Resource: grab,
          Condition: { IpAddress: { 'aws:SourceIp': CUSTOMS_RANGES } },
        },
        {
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'execute-api:Invoke',
          Resource: grab,
          Condition: { NotIpAddress: { 'aws:SourceIp': CUSTOMS_RANGES } },
        },
      ],
    );
    assert.ok(
      !JSON.stringify(statements).includes('status') && !JSON.stringify(statements).includes('payments'),
      'the IAM-authorized routes are not opened to anyone',
    );
  });

  it('with no customs ranges configured nobody reaches platDataOpen (fail closed)', () => {
    const statements = grabApiPolicy({ customsSourceRanges: [], behindFront: false }).toJSON().Statement as {
      Resource: string;
    }[];
    assert.deepEqual(
      statements.map((s) => s.Resource),
      ['execute-api:/*/POST/clearance/callback'],
    );
  });

  it('a new resource policy means a new deployment (API Gateway applies a policy only on deploy)', () => {
    const deployments = Object.keys(stateless.findResources('AWS::ApiGateway::Deployment'));
    const other = synthesize({ bundle: false, context: { customsSourceRanges: '192.0.2.0/24' } });
    try {
      const otherDeployments = Object.keys(other.stateless.findResources('AWS::ApiGateway::Deployment'));
      assert.notDeepEqual(otherDeployments, deployments);
    } finally {
      other.cleanup();
    }
  });

  it('stage: throttled, traced, access-logged, error execution logs; no WAF to turn away Apache-HttpClient', () => {
    stateless.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: STAGES.test.apiThrottle.rateLimit,
          ThrottlingBurstLimit: STAGES.test.apiThrottle.burstLimit,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ]),
    });
    stateless.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    stateless.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });
});

describe('upload-worker consumes the grab queue', () => {
  it('two event sources: the grab queue (not the DLQ) feeds the worker in batches of 10, reporting batch item failures', () => {
    const mappings = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping'));
    assert.equal(mappings.length, 2);
    const props = mappings.find((m) => m.Properties.FunctionName.Ref === id(uploadWorker))?.Properties;
    assert.deepEqual(props.FunctionName, { Ref: id(uploadWorker) });
    assert.deepEqual(props.EventSourceArn, imported(data.grabQueue.queueArn));
    assert.deepEqual(props.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(props.BatchSize, 10);
    assert.ok(props.MaximumBatchingWindowInSeconds <= 5, 'grabs must not wait long for a batch to fill');
  });

  it("runs at most the signer kind's number of workers at once (the test stage signs with a soft key)", () => {
    const mapping = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => m.Properties.FunctionName.Ref === id(uploadWorker),
    );
    assert.deepEqual(mapping?.Properties.ScalingConfig, { MaximumConcurrency: WORKER_MAX_CONCURRENCY.soft });
    assert.ok(WORKER_MAX_CONCURRENCY['hsm-proxy'] === 2, "one card: Lambda's smallest maximum");
  });

  it("runs the signer kind's default per kind, or the stage's workerMaxConcurrency", () => {
    const card = {
      kind: 'hsm-proxy',
      url: 'https://signer.internal.example:8443',
      protocol: 'ceb-grab',
      token: { source: 'stack-secret' },
    } as const;
    const cases = [
      { config: { signer: card }, want: WORKER_MAX_CONCURRENCY['hsm-proxy'] },
      { config: { signer: card, workerMaxConcurrency: 3 }, want: 3 },
      { config: { workerMaxConcurrency: 50 }, want: 50 },
    ];
    for (const { config, want } of cases) {
      const s = synthesize({ bundle: false, config });
      try {
        const worker = s.stage.stateless.uploadWorker;
        const mapping = Object.values(s.stateless.findResources('AWS::Lambda::EventSourceMapping')).find(
          (m) => m.Properties.FunctionName.Ref === logicalId(s.stage.stateless, worker),
        );
        assert.deepEqual(
          mapping?.Properties.ScalingConfig,
          { MaximumConcurrency: want },
          JSON.stringify(config),
        );
      } finally {
        s.cleanup();
      }
    }
  });

  it('synthesis fails when the visibility timeout is under 6 × the worker timeout', () => {
    assert.throws(
      () =>
        new StatelessStack(new App(), 'Tight', {
          config: STAGES.test,
          resources: { ...data, grabVisibilityTimeout: Duration.millis(5 * WORKER_TIMEOUT_MS) },
        }),
      /under 6 × the worker timeout/,
    );
  });

  it("the Payments table's stream (both images) feeds payments-stream from its oldest record, reporting failures", () => {
    const mappings = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping'));
    const props = mappings.find((m) => m.Properties.FunctionName.Ref === id(paymentsStream))?.Properties;
    assert.ok(props, 'payments-stream has an event source');
    assert.deepEqual(props.EventSourceArn, imported(data.paymentsTable.tableStreamArn ?? ''));
    assert.equal(props.StartingPosition, 'TRIM_HORIZON');
    assert.deepEqual(props.FunctionResponseTypes, ['ReportBatchItemFailures']);
    const table = synth.stateful.toJSON().Resources[logicalId(stage.stateful, data.paymentsTable)];
    assert.deepEqual(table?.Properties.StreamSpecification, { StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('the worker is told the same receive count as the queue redrives after', () => {
    assert.equal(data.maxReceiveCount, MAX_RECEIVES);
    assert.equal(envOf(uploadWorker).MAX_RECEIVES, String(MAX_RECEIVES));
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

describe('environment: each function is pointed at exactly the resources it uses', () => {
  const app = (fn: HouseFunction) =>
    Object.keys(envOf(fn))
      .filter((k) => !['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'].includes(k))
      .sort();

  it('grab-request: the sessions table and the grab queue', () => {
    assert.deepEqual(app(grabRequest), ['GRAB_QUEUE_URL', 'RETENTION_DAYS', 'SESSIONS_TABLE']);
    assert.deepEqual(envOf(grabRequest).SESSIONS_TABLE, imported(data.sessionsTable.tableName));
    assert.deepEqual(envOf(grabRequest).GRAB_QUEUE_URL, imported(data.grabQueue.queueUrl));
  });

  it('sweep-sessions: the sessions table and the grab queue, run on a schedule of SWEEP_INTERVAL_MS', () => {
    assert.deepEqual(app(sweepSessions), [
      'GRAB_DLQ_URL',
      'GRAB_QUEUE_URL',
      'MAX_RECEIVES',
      'SESSIONS_TABLE',
    ]);
    const rules = Object.values(stateless.findResources('AWS::Events::Rule'));
    assert.equal(rules.length, 1);
    const rule = rules[0]?.Properties;
    assert.equal(rule.ScheduleExpression, `rate(${SWEEP_INTERVAL_MS / 60_000} minute)`);
    // only the schedule may invoke it
    const invokers = Object.values(stateless.findResources('AWS::Lambda::Permission'))
      .filter((p) => mentions(p.Properties.FunctionName, { 'Fn::GetAtt': [id(sweepSessions), 'Arn'] }))
      .map((p) => p.Properties.Principal);
    assert.deepEqual(invokers, ['events.amazonaws.com']);
    assert.deepEqual(
      rule.Targets.map((t: { Arn: unknown }) => t.Arn),
      [{ 'Fn::GetAtt': [id(sweepSessions), 'Arn'] }],
    );
  });

  it('upload-worker: its tables, the soft signer secret, the test customs endpoint and its timings', () => {
    const env = envOf(uploadWorker);
    assert.deepEqual(app(uploadWorker), [
      'CERTIFICATES_TABLE',
      'CUSTOMS_TIMEOUT_MS',
      'CUSTOMS_UPLOAD_URL',
      'GRAB_QUEUE_URL',
      'MAX_RECEIVES',
      'PAYMENTS_TABLE',
      'RETENTION_DAYS',
      'SESSIONS_TABLE',
      'SIGNER_KIND',
      'SOFT_SIGNER_SECRET_ID',
      'UPLOAD_LEASE_MS',
      'UPLOAD_TRIES',
    ]);
    // to bring a grab it failed for a retry back after a short backoff (ChangeMessageVisibility)
    assert.deepEqual(env.GRAB_QUEUE_URL, imported(data.grabQueue.queueUrl));
    assert.deepEqual(env.SESSIONS_TABLE, imported(data.sessionsTable.tableName));
    assert.deepEqual(env.PAYMENTS_TABLE, imported(data.paymentsTable.tableName));
    assert.deepEqual(env.CERTIFICATES_TABLE, imported(data.certificatesTable.tableName));
    assert.deepEqual(
      env.SOFT_SIGNER_SECRET_ID,
      imported(data.signerMaterial.softSignerSecret?.secretArn ?? ''),
    );
    assert.equal(env.SIGNER_KIND, 'soft');
    assert.equal(
      env.CUSTOMS_UPLOAD_URL,
      'https://swapptest.singlewindow.cn/ceb2grab/grab/realTimeDataUpload',
    );
  });

  it('clearance-callback: the clearance table, the payments it reads expiries from, the partner secrets (never in plain text)', () => {
    assert.deepEqual(app(clearanceCallback), [
      'CALLBACK_PARTNER_SECRETS_SECRET_ID',
      'CLEARANCE_TABLE',
      'PAYMENTS_TABLE',
      'RETENTION_DAYS',
    ]);
    assert.deepEqual(envOf(clearanceCallback).PAYMENTS_TABLE, imported(data.paymentsTable.tableName));
    assert.deepEqual(envOf(clearanceCallback).CLEARANCE_TABLE, imported(data.clearanceTable.tableName));
    assert.deepEqual(
      envOf(clearanceCallback).CALLBACK_PARTNER_SECRETS_SECRET_ID,
      imported(data.callbackPartners.secret.secretArn),
    );
  });

  it('order-status: sessions, payments and clearance tables', () => {
    assert.deepEqual(app(orderStatus), ['CLEARANCE_TABLE', 'PAYMENTS_TABLE', 'SESSIONS_TABLE']);
  });

  it('payments-stream: the sessions table and the grab queue', () => {
    assert.deepEqual(app(paymentsStream), ['GRAB_QUEUE_URL', 'SESSIONS_TABLE']);
  });

  it('payment-intake: the payments table, and the clearance table for the copNo links', () => {
    assert.deepEqual(app(paymentIntake), ['CLEARANCE_TABLE', 'PAYMENTS_TABLE', 'RETENTION_DAYS']);
    assert.deepEqual(envOf(paymentIntake).CLEARANCE_TABLE, imported(data.clearanceTable.tableName));
  });

  it('the functions that write sessions, payments or clearance events are told the stage retention', () => {
    for (const fn of [grabRequest, paymentIntake, clearanceCallback]) {
      assert.equal(envOf(fn).RETENTION_DAYS, String(STAGES.test.retentionDays), fn.node.path);
    }
  });
});

describe('least privilege: exactly these actions on exactly these resources', () => {
  it('grab-request may put/update sessions and send to the grab queue, and nothing else', () => {
    assert.deepEqual(grants(grabRequest), [
      'dynamodb:PutItem sessions',
      'dynamodb:UpdateItem sessions',
      // Its writes to the table (DynamoDB on its behalf) and SendMessage to the queue (SQS: GenerateDataKey + Decrypt).
      ...[...DYNAMODB_KEY_WRITE, 'GenerateDataKey'].sort().map((a) => `kms:${a} data-key`),
      'sqs:SendMessage grab-queue',
    ]);
  });

  it('upload-worker reads payments, reads/updates sessions, reads certificates, reads the signer secret, consumes the queue', () => {
    assert.deepEqual(
      grants(uploadWorker),
      [
        'dynamodb:BatchGetItem payments',
        'dynamodb:BatchGetItem sessions',
        'dynamodb:BatchGetItem sessions/index/*',
        'dynamodb:GetItem certificates',
        'dynamodb:GetItem payments',
        'dynamodb:GetItem sessions',
        'dynamodb:GetItem sessions/index/*',
        'dynamodb:Query payments',
        'dynamodb:Query sessions',
        'dynamodb:Query sessions/index/*',
        'dynamodb:UpdateItem sessions',
        ...DYNAMODB_KEY_WRITE.map((a) => `kms:${a} data-key`),
        'kms:Decrypt secrets-key',
        'secretsmanager:GetSecretValue soft-signer-secret',
        'sqs:ChangeMessageVisibility grab-queue',
        'sqs:DeleteMessage grab-queue',
        'sqs:GetQueueAttributes grab-queue',
        'sqs:GetQueueUrl grab-queue',
        'sqs:ReceiveMessage grab-queue',
      ].sort(),
    );
  });

  it('clearance-callback appends to and queries the clearance table, gets payment items (their expiry), reads the partner secrets', () => {
    assert.deepEqual(
      grants(clearanceCallback),
      [
        'dynamodb:DeleteItem clearance',
        'dynamodb:GetItem payments',
        'dynamodb:PutItem clearance',
        'dynamodb:Query clearance',
        ...DYNAMODB_KEY_WRITE.map((a) => `kms:${a} data-key`),
        'kms:Decrypt secrets-key',
        'secretsmanager:GetSecretValue partner-secret',
      ].sort(),
    );
  });

  it('sweep-sessions reads and updates sessions (never creates them) and sends to the grab queue', () => {
    assert.deepEqual(grants(sweepSessions), [
      'dynamodb:BatchGetItem sessions',
      'dynamodb:BatchGetItem sessions/index/*',
      'dynamodb:GetItem sessions',
      'dynamodb:GetItem sessions/index/*',
      'dynamodb:Query sessions',
      'dynamodb:Query sessions/index/*',
      'dynamodb:UpdateItem sessions',
      ...[...DYNAMODB_KEY_WRITE, 'GenerateDataKey'].sort().map((a) => `kms:${a} data-key`),
      'sqs:ReceiveMessage dlq',
      'sqs:SendMessage grab-queue',
    ]);
  });

  it('clearance-callback may delete only replay markers (LeadingKeys SIG#*), never an event', () => {
    const deletes = statementsOf(stateless, stage.stateless, clearanceCallback).filter((s) =>
      list(s.Action).includes('dynamodb:DeleteItem'),
    );
    assert.equal(deletes.length, 1);
    assert.deepEqual(list(deletes[0]?.Action), ['dynamodb:DeleteItem']);
    assert.deepEqual(deletes[0]?.Condition, {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${REPLAY_MARKER_KEY_PREFIX}*`] },
    });
  });

  it('order-status only reads', () => {
    assert.deepEqual(grants(orderStatus), [
      'dynamodb:BatchGetItem payments',
      'dynamodb:BatchGetItem sessions',
      'dynamodb:BatchGetItem sessions/index/*',
      'dynamodb:GetItem payments',
      'dynamodb:GetItem sessions',
      'dynamodb:GetItem sessions/index/*',
      'dynamodb:Query clearance',
      'dynamodb:Query payments',
      'dynamodb:Query sessions',
      'dynamodb:Query sessions/index/*',
      'kms:Decrypt data-key',
      'kms:DescribeKey data-key',
    ]);
  });

  it('payments-stream reads the Payments stream, reads/updates sessions and sends to the grab queue', () => {
    assert.deepEqual(
      grants(paymentsStream),
      [
        'dynamodb:BatchGetItem sessions',
        'dynamodb:BatchGetItem sessions/index/*',
        'dynamodb:DescribeStream payments-stream',
        'dynamodb:GetItem sessions',
        'dynamodb:GetItem sessions/index/*',
        'dynamodb:GetRecords payments-stream',
        'dynamodb:GetShardIterator payments-stream',
        // no resource-level permissions exist for ListStreams
        'dynamodb:ListStreams "*"',
        'dynamodb:Query sessions',
        'dynamodb:Query sessions/index/*',
        'dynamodb:UpdateItem sessions',
        ...DYNAMODB_KEY_WRITE.map((a) => `kms:${a} data-key`),
        'kms:GenerateDataKey data-key',
        'sqs:SendMessage grab-queue',
      ].sort(),
    );
  });

  it('payment-intake reads payment heads in batches, puts/deletes payment items, puts and queries copNo links, nothing else', () => {
    assert.deepEqual(
      grants(paymentIntake),
      [
        'dynamodb:BatchGetItem payments',
        'dynamodb:DeleteItem payments',
        'dynamodb:PutItem clearance',
        'dynamodb:PutItem payments',
        'dynamodb:Query clearance',
        ...DYNAMODB_KEY_WRITE.map((a) => `kms:${a} data-key`),
      ].sort(),
    );
  });

  it('writing its own log group is all the rest (no X-Ray, nothing on "*"); no managed policies', () => {
    for (const fn of functions) {
      const rest = statementsOf(stateless, stage.stateless, fn).filter((s) =>
        list(s.Action).every((a) => a.startsWith('logs:') || a.startsWith('xray:')),
      );
      assert.deepEqual(
        rest.map((s) => [list(s.Action).sort(), s.Resource]),
        [[['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [id(fn.functionLogs), 'Arn'] }]],
        fn.node.path,
      );
      assert.equal(resources[id(fn.executionRole)]?.Properties.ManagedPolicyArns, undefined, fn.node.path);
    }
  });
});

describe('house function', () => {
  for (const fn of functions) {
    it(`${fn.node.id}: Node 22 on ARM64, untraced, source maps on, its own log group with a retention`, () => {
      const props = fnProps(fn);
      assert.equal(props.Runtime, 'nodejs22.x');
      assert.deepEqual(props.Architectures, ['arm64']);
      // No X-Ray: the Tracer's SDK would grow bundles already over their target (README).
      assert.equal(props.TracingConfig, undefined);
      assert.equal(props.Handler, 'index.handler');
      assert.equal(props.Environment.Variables.NODE_OPTIONS, '--enable-source-maps');
      assert.equal(props.Environment.Variables.POWERTOOLS_SERVICE_NAME, 'ceb-grab');
      assert.equal(props.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE, 'CebGrab');
      assert.deepEqual(props.LoggingConfig.LogGroup, { Ref: id(fn.functionLogs) });
      assert.equal(resources[id(fn.functionLogs)]?.Properties.RetentionInDays, STAGES.test.logRetention);
      assert.equal(props.FunctionName, undefined, 'no physical names');
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
      assert.ok(existsSync(join(dir, 'index.mjs.LEGAL.txt')), 'the dependencies’ license notices beside it');
      assert.ok(!code.includes('/*!'), 'no license comment left in the code');
    });

    it(`${fn.node.id}: the AWS SDK inside, but for what it loads only on demand (never imported at init)`, () => {
      const asset = fn.node.findChild('Code') as Asset;
      const code = readFileSync(join(synth.outdir, asset.assetPath, 'index.mjs'), 'utf8');
      // import"x", import{a as b}from"x", import*as c from"x" (esbuild writes them at the top)
      const staticImports = [...code.matchAll(/\bimport\s*(?:[\w$*{][^;"()]*?\bfrom\s*)?"([^"]+)"/g)].map(
        (m) => m[1],
      );
      assert.deepEqual(
        staticImports.filter((s) => !s?.startsWith('node:')),
        [],
        'a static import of a package would load the runtime’s copy at init',
      );
      const dynamicImports = new Set([...code.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1] ?? ''));
      const lazy = new Set<string>(LAZY_SDK_MODULES);
      assert.deepEqual(
        [...dynamicImports].filter((s) => !lazy.has(s) && !/^(node:)?[a-z_]+$/.test(s)),
        [],
        'only the lazily loaded SDK modules are left out',
      );
    });
  }

  it('the worker bundles its own signer’s SDK client only (the test stage signs with a soft key)', () => {
    const asset = uploadWorker.node.findChild('Code') as Asset;
    const code = readFileSync(join(synth.outdir, asset.assetPath, 'index.mjs'), 'utf8');
    assert.ok(code.includes('secretsmanager'), 'the soft key comes from Secrets Manager');
    assert.ok(!code.includes('TrentService'), 'no KMS client');
    assert.ok(!code.includes('AmazonSSM'), 'no SSM client');
  });

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

describe('cdk-nag', () => {
  it('AwsSolutions: no unsuppressed finding in either stack of the test stage', () => {
    assert.deepEqual(synth.nagFindings(), []);
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { cloudFormationClient, dynamoClient } from '#adapters/aws-clients.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { paymentExpiresAt } from '#core/retention.ts';
import { STATEFUL_OUTPUT, stageStackNames } from '#core/stack-outputs.ts';
import type { LocalResources } from '#local/resources.ts';
import { runCli } from '#test/helpers/cli.ts';
import { type LocalAws, REGION, startLocalAws } from '#test/helpers/local-aws.ts';

/**
 * `ceb-grab <command> --stage <name>` against moto's CloudFormation over HTTP: the stage's tables and
 * queues are made by the local stack's provisioning, and a stack named as the CDK app names the stage's
 * stateful stack carries the same outputs. The CLI runs with no table or queue variable, in a directory
 * with no local stack: only the endpoint and dummy credentials (or a profile) tell it where AWS is.
 */
let aws: LocalAws;
let home: string;
before(async () => {
  aws = await startLocalAws();
  home = mkdtempSync(join(tmpdir(), 'ceb-grab-stage-'));
});
after(async () => {
  await aws?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** What a person's shell would hold: the endpoint (tests only), credentials, nothing naming a table. */
const bareEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? '',
  HOME: home,
  AWS_ENDPOINT_URL: aws.endpoint,
  // Never ask an instance metadata service for credentials from a test.
  AWS_EC2_METADATA_DISABLED: 'true',
  ...extra,
});
const dummyCredentials = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
const SAMPLE_PAYMENTS = fileURLToPath(new URL('../../events/payments.sample.jsonl', import.meta.url));
const cli = (args: string[], env: NodeJS.ProcessEnv) => runCli(args, env, undefined, { cwd: home });

const STAGE_RETENTION_DAYS = 30;

/** The outputs the stage's stateful stack declares, pointing at these resources. */
function outputsOf(r: LocalResources): Record<string, string> {
  return {
    [STATEFUL_OUTPUT.sessionsTable]: r.sessionsTable,
    [STATEFUL_OUTPUT.paymentsTable]: r.paymentsTable,
    [STATEFUL_OUTPUT.certificatesTable]: r.certificatesTable,
    [STATEFUL_OUTPUT.clearanceTable]: r.clearanceTable,
    [STATEFUL_OUTPUT.grabQueueUrl]: r.grabQueueUrl,
    [STATEFUL_OUTPUT.grabDeadLetterQueueUrl]: r.grabDlqUrl,
    [STATEFUL_OUTPUT.alarmTopicArn]: `arn:aws-cn:sns:${REGION}:123456789012:alarms`,
    // a throwaway stage that keeps its data 30 days, not the default three years
    [STATEFUL_OUTPUT.retentionDays]: String(STAGE_RETENTION_DAYS),
  };
}

/** "Deploy" a stage into moto: a stack of that name whose outputs are these (one placeholder resource). */
async function deployStage(stage: string, outputs: Record<string, string>): Promise<void> {
  const cfn = cloudFormationClient({
    endpoint: aws.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await cfn.send(
      new CreateStackCommand({
        StackName: stageStackNames(stage).stateful,
        TemplateBody: JSON.stringify({
          Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
        }),
      }),
    );
  } finally {
    cfn.destroy();
  }
}

async function failedSession(r: LocalResources, sessionID: string, orderNo: string, reason: string) {
  const store = new DynamoSessionStore(dynamoClient(), r.sessionsTable);
  const now = Date.now();
  await store.create({ sessionID, orderNo, receivedAt: now });
  const { session } = await store.claim(sessionID, now, 60_000);
  await store.recordOutcome(session.sessionID, session.attempts, { state: 'failed', error: reason, at: now });
}

describe('ceb-grab --stage', () => {
  let test: LocalResources;
  before(async () => {
    test = await aws.fresh();
    await deployStage('test', outputsOf(test));
    await failedSession(test, 'stage1-aaaaaaaa-00000001', 'STG-1', 'payExchangeInfoHead.payCode: is empty');
  });

  it('sessions --stage test lists the stage’s sessions with no table or queue variable set', async () => {
    const run = await cli(
      ['sessions', '--stage', 'test'],
      bareEnv({ ...dummyCredentials, AWS_REGION: REGION }),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /1 session\(s\) failed in the last 1h/);
    assert.match(run.stdout, /stage1-aaaaaaaa-00000001/);
    assert.match(run.stdout, /payCode: is empty/);
  });

  it('takes the credentials and region of --profile, and the region of --region', async () => {
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(join(home, '.aws', 'config'), `[profile ops]\nregion = ${REGION}\n`);
    writeFileSync(
      join(home, '.aws', 'credentials'),
      '[ops]\naws_access_key_id = opskey\naws_secret_access_key = opssecret\n',
    );
    try {
      const byProfile = await cli(['sessions', '--stage', 'test', '--profile', 'ops', '--json'], bareEnv());
      assert.equal(byProfile.code, 0, byProfile.stderr);
      const listed = JSON.parse(byProfile.stdout) as { sessionID: string }[];
      assert.deepEqual(
        listed.map((s) => s.sessionID),
        ['stage1-aaaaaaaa-00000001'],
      );
      assert.doesNotMatch(byProfile.stdout + byProfile.stderr, /opssecret/);

      const byRegion = await cli(
        ['sessions', '--stage', 'test', '--region', REGION],
        bareEnv(dummyCredentials),
      );
      assert.equal(byRegion.code, 0, byRegion.stderr);
      assert.match(byRegion.stdout, /stage1-aaaaaaaa-00000001/);
    } finally {
      rmSync(join(home, '.aws'), { recursive: true, force: true });
    }
  });

  it('reaches the stage from the other operator commands too', async () => {
    const env = bareEnv({ ...dummyCredentials, AWS_REGION: REGION });
    const status = await cli(['status', 'stage1-aaaaaaaa-00000001', '--stage', 'test'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /order STG-1/);
    assert.match(status.stdout, /session stage1-aaaaaaaa-00000001: FAILED/);

    const loaded = await cli(['load', SAMPLE_PAYMENTS, '--stage', 'test', '--json'], env);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.ok((JSON.parse(loaded.stdout) as { created: number }).created > 0);
    // dated by the stage's retention (its RetentionDays output), not the default
    const first = JSON.parse(readFileSync(SAMPLE_PAYMENTS, 'utf8').split('\n')[0] ?? '') as {
      tradingTime: string;
      orders: { orderNo: string }[];
    };
    const item = await dynamoClient().send(
      new GetItemCommand({
        TableName: test.paymentsTable,
        Key: { pk: { S: `ORDER#${first.orders[0]?.orderNo}` } },
      }),
    );
    assert.equal(Number(item.Item?.expiresAt?.N), paymentExpiresAt(first, STAGE_RETENTION_DAYS));

    const redrive = await cli(['redrive', '--stage', 'test', '--json'], env);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.deepEqual(JSON.parse(redrive.stdout), { moved: [], kept: [] });

    const certs = await cli(['certs', 'list', '--stage', 'test', '--json'], env);
    assert.equal(certs.code, 0, certs.stderr);
    assert.deepEqual(JSON.parse(certs.stdout), []);
  });

  it('a stage that is not deployed: exit 1, naming the stack and the region', async () => {
    const run = await cli(['sessions', '--stage', 'nope', '--region', REGION], bareEnv(dummyCredentials));
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /stage nope is not deployed in cn-north-1: there is no CloudFormation stack CebGrab-nope-Stateful/,
    );
    assert.equal(run.stdout, '');
  });

  it('a stack without an output the command needs: exit 1, naming the output', async () => {
    const old = await aws.fresh();
    const { [STATEFUL_OUTPUT.grabDeadLetterQueueUrl]: _dropped, ...outputs } = outputsOf(old);
    await deployStage('old', outputs);
    const env = bareEnv({ ...dummyCredentials, AWS_REGION: REGION });
    const run = await cli(['redrive', '--stage', 'old'], env);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /stack CebGrab-old-Stateful in cn-north-1 has no output GrabDeadLetterQueueUrl/);
    // A command that needs only what is there still works.
    const sessions = await cli(['sessions', '--stage', 'old'], env);
    assert.equal(sessions.code, 0, sessions.stderr);
  });

  it('no credentials: exit 1, saying so', async () => {
    const run = await cli(
      ['sessions', '--stage', 'test', '--profile', 'ghost'],
      bareEnv({ AWS_REGION: REGION }),
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /no AWS credentials for profile ghost/);
  });

  it('--region or --profile without a stage, and a stage name CloudFormation cannot hold, are usage errors (2)', async () => {
    const env = bareEnv({ ...dummyCredentials, AWS_REGION: REGION });
    const regionAlone = await cli(['sessions', '--region', REGION], env);
    assert.equal(regionAlone.code, 2, regionAlone.stderr);
    assert.match(regionAlone.stderr, /name it with --stage/);
    const badName = await cli(['sessions', '--stage', 'te st'], env);
    assert.equal(badName.code, 2, badName.stderr);
    assert.match(badName.stderr, /a stage name is letters, digits and hyphens/);
  });
});

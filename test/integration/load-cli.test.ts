import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import type { Payment } from '#core/protocol/payment.ts';
import type { LocalResources } from '#local/resources.ts';
import { writeStackFile } from '#local/stack-file.ts';
import { runCli } from '#test/helpers/cli.ts';
import { type LocalAws, REGION, startLocalAws } from '#test/helpers/local-aws.ts';
import { makePayment } from '#test/helpers/payments.ts';

/** `ceb-grab load` as a user runs it: a child process, against a real moto_server. */

const STACK_ENV = ['PAYMENTS_TABLE', 'SESSIONS_TABLE', 'GRAB_QUEUE_URL', 'GRAB_DLQ_URL', 'AWS_ENDPOINT_URL'];

let aws: LocalAws;
let ddb: DynamoDBClient;
let sqs: SQSClient;
let dir: string;

before(async () => {
  aws = await startLocalAws();
  ddb = new DynamoDBClient({});
  sqs = new SQSClient({});
  dir = mkdtempSync(join(tmpdir(), 'ceb-grab-load-'));
});
after(async () => {
  ddb?.destroy();
  sqs?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await aws?.stop();
});

const load = (args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  runCli(['load', ...args], opts.env, undefined, opts.cwd ? { cwd: opts.cwd } : {});

const withoutStackEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !STACK_ENV.includes(k)));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const single = makePayment({ payTransactionId: 'TX-CLI-1' }, ['SO-CLI-1']);
const multi = makePayment({ payTransactionId: 'TX-CLI-2', currency: '502' }, [
  'SO-CLI-2',
  'SO-CLI-3',
  'SO-CLI-4',
]);
const bad = makePayment({ payTransactionId: 'TX-CLI-BAD' }, ['SO-CLI-BAD']);
const tooLongName: Payment = {
  ...bad,
  orders: bad.orders.map((o) => ({ ...o, recpName: '名'.repeat(101) })),
};

describe('ceb-grab load', () => {
  it('loads the good lines, names the bad ones, and changes nothing the second time', async () => {
    const resources = await aws.fresh();
    const path = file('mixed.jsonl', [
      JSON.stringify(single),
      '',
      JSON.stringify(tooLongName),
      JSON.stringify(multi),
      '{"payCode": "1537923071",',
    ]);

    const first = await load([path]);

    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stdout, /^line 3: orders\[0\]\.recpName: at most 100 characters/m);
    assert.match(first.stdout, /^line 5: not valid JSON/m);
    assert.match(first.stdout, /4 lines, 2 created, 0 updated, 0 unchanged, 2 rejected/);
    const store = new DynamoPaymentStore(ddb, resources.paymentsTable);
    assert.equal((await store.findByOrder('SO-CLI-1'))?.payTransactionId, 'TX-CLI-1');
    assert.equal((await store.findByOrder('SO-CLI-4'))?.orders.length, 3);
    assert.equal(await store.findByOrder('SO-CLI-BAD'), undefined);

    const second = await load([path]);

    assert.equal(second.code, 1);
    assert.match(second.stdout, /4 lines, 0 created, 0 updated, 2 unchanged, 2 rejected/);
  });

  it('queues again a grab that came before its payment', async () => {
    const resources = await aws.fresh();
    const sessions = new DynamoSessionStore(ddb, resources.sessionsTable);
    await sessions.create({ sessionID: 'S-EARLY', orderNo: 'SO-CLI-3', receivedAt: 1_000 });
    const { session } = await sessions.claim('S-EARLY', 2_000, 60_000);
    await sessions.recordOutcome('S-EARLY', session.attempts, {
      state: 'no-data',
      error: 'no payment',
      at: 3_000,
    });

    const run = await load([file('late.jsonl', [JSON.stringify(multi)])]);

    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /1 created.*1 grab session\(s\) that came before their payment queued again/);
    assert.equal((await sessions.get('S-EARLY'))?.state, 'queued');
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: resources.grabQueueUrl, MaxNumberOfMessages: 10 }),
    );
    assert.deepEqual(
      (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}')),
      [{ sessionID: 'S-EARLY', orderNo: 'SO-CLI-3', receivedAt: 1_000 }],
    );
  });

  it('loads into the running local stack when the environment names none', async () => {
    const resources: LocalResources = await aws.fresh();
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeStackFile(
      {
        ...resources,
        endpoint: aws.endpoint,
        region: REGION,
        apiUrl: 'http://127.0.0.1:1',
        customsUrl: 'http://127.0.0.1:1',
        pid: process.pid,
      },
      join(cwd, '.ceb-grab', 'local.json'),
    );

    const run = await load([file('local.jsonl', [JSON.stringify(single)])], { env: withoutStackEnv(), cwd });

    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, new RegExp(`into the local stack \\(${aws.endpoint}\\): 1 lines, 1 created`));
    const store = new DynamoPaymentStore(ddb, resources.paymentsTable);
    assert.equal((await store.findByOrder('SO-CLI-1'))?.payTransactionId, 'TX-CLI-1');
  });

  it('says how to start a stack when none is running', async () => {
    const cwd = mkdtempSync(join(dir, 'nostack-'));

    const run = await load([file('any.jsonl', [JSON.stringify(single)])], { env: withoutStackEnv(), cwd });

    assert.equal(run.code, 2);
    assert.match(run.stderr, /no local stack is running.*`npm start`.*PAYMENTS_TABLE/s);
  });

  it('exits 2 on a file it cannot read and on a missing argument', async () => {
    const missingFile = await load([join(dir, 'nope.jsonl')]);
    const noArgument = await load([]);

    assert.equal(missingFile.code, 2);
    assert.match(missingFile.stderr, /cannot read .*nope\.jsonl/);
    assert.equal(noArgument.code, 2);
    assert.match(noArgument.stderr, /missing required argument 'file'/);
  });

  it('checks without storing in a dry run, with no stack at all', async () => {
    const resources = await aws.fresh();
    const path = file('dry.jsonl', [JSON.stringify(single), JSON.stringify(tooLongName)]);

    const run = await load(['--dry-run', path], {
      env: withoutStackEnv(),
      cwd: mkdtempSync(join(dir, 'dry-')),
    });

    assert.equal(run.code, 1);
    assert.match(run.stdout, /^line 2: orders\[0\]\.recpName: /m);
    assert.match(run.stdout, /2 lines, 1 valid, 1 rejected \(dry run: nothing stored\)/);
    assert.equal(
      await new DynamoPaymentStore(ddb, resources.paymentsTable).findByOrder('SO-CLI-1'),
      undefined,
    );
  });
});

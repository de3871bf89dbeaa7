import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { dynamoClient } from '#adapters/aws-clients.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { runCli } from '#test/helpers/cli.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';

/** The operator's commands against real SQS and DynamoDB (moto), run as a person would run them. */
let aws: LocalAws;
before(async () => {
  aws = await startLocalAws();
});
after(async () => {
  await aws?.stop();
});

const depth = async (sqs: SQSClient, url: string) => {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
};

describe('operator tools', () => {
  it('redrive moves grab messages back from the DLQ, keeps poison ones, and is safe to run twice', async () => {
    const r = await aws.fresh();
    const sqs = new SQSClient({});
    const grab = { sessionID: 'dead01-aaaaaaaa-00000001', orderNo: 'DLQ-1', receivedAt: Date.now() };
    await sqs.send(new SendMessageCommand({ QueueUrl: r.grabDlqUrl, MessageBody: JSON.stringify(grab) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: r.grabDlqUrl, MessageBody: 'not json at all' }));

    const first = await runCli(['redrive']);
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stdout, /moved dead01-aaaaaaaa-00000001 \(order DLQ-1\)/);
    assert.match(first.stdout, /1 message\(s\) moved back to the grab queue, 1 kept/);
    const moved = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: r.grabQueueUrl, MaxNumberOfMessages: 10 }),
    );
    assert.deepEqual(
      moved.Messages?.map((m) => JSON.parse(m.Body ?? '{}')),
      [grab],
    );

    // The poison message stays for a human; once it is visible again, a second run moves nothing new.
    const second = await runCli(['redrive']);
    assert.match(second.stdout, /^0 message\(s\) moved/m);
    assert.equal(await depth(sqs, r.grabQueueUrl), 0);
  });

  it('sessions lists what failed recently, with the reason', async () => {
    const r = await aws.fresh();
    const store = new DynamoSessionStore(dynamoClient(), r.sessionsTable);
    const now = Date.now();
    await store.create({ sessionID: 'fail01-bbbbbbbb-00000001', orderNo: 'F-1', receivedAt: now });
    const { session } = await store.claim('fail01-bbbbbbbb-00000001', now, 60_000);
    await store.recordOutcome(session.sessionID, session.attempts, {
      state: 'failed',
      error: 'payExchangeInfoHead.tradingTime: must be 14 digits',
      at: now,
    });
    await store.create({ sessionID: 'ok0001-cccccccc-00000001', orderNo: 'F-2', receivedAt: now });

    const out = await runCli(['sessions', '--state', 'failed', '--since', '1h']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /1 session\(s\) failed in the last 1h/);
    assert.match(out.stdout, /fail01-bbbbbbbb-00000001/);
    assert.match(out.stdout, /tradingTime: must be 14 digits/);
    assert.doesNotMatch(out.stdout, /ok0001/);

    const bad = await runCli(['sessions', '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since must be a duration/);
  });

  it('sessions takes several states or all, wraps long reasons whole, and prints JSON', async () => {
    const r = await aws.fresh();
    const store = new DynamoSessionStore(dynamoClient(), r.sessionsTable);
    const now = Date.now();
    const reason = `payExchangeInfoLists[0].recpName: ${'must be at most 100 characters; '.repeat(4)}END-OF-REASON`;
    await store.create({ sessionID: 'fail02-dddddddd-00000001', orderNo: 'W-1', receivedAt: now });
    const { session } = await store.claim('fail02-dddddddd-00000001', now, 60_000);
    await store.recordOutcome(session.sessionID, session.attempts, {
      state: 'failed',
      error: reason,
      at: now,
    });
    await store.create({ sessionID: 'queu02-eeeeeeee-00000001', orderNo: 'W-2', receivedAt: now });
    // A grab is recorded `received`, and `queued` once its message is sent.
    assert.ok(await store.markQueued('queu02-eeeeeeee-00000001', now, ['received']));

    const two = await runCli(['sessions', '--state', 'failed,queued', '--since', '1h']);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /2 session\(s\) failed or queued/);
    assert.match(two.stdout, /queu02-eeeeeeee-00000001/);
    // Wrapped over several rows of the table, nothing cut: the reason's last word is there.
    assert.match(two.stdout, /END-OF-REASON/);

    const all = await runCli(['sessions', '--state', 'all', '--since', '1h', '--json']);
    assert.equal(all.code, 0, all.stderr);
    const listed = JSON.parse(all.stdout) as { sessionID: string; state: string; error?: string }[];
    assert.deepEqual(listed.map((s) => s.state).sort(), ['failed', 'queued']);
    assert.equal(listed.find((s) => s.state === 'failed')?.error, reason);

    const wrong = await runCli(['sessions', '--state', 'failed,lost']);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /not lost/);
  });

  it('replay and redrive print JSON when asked', async () => {
    await aws.fresh();
    const replay = await runCli(['replay', 'nope00-ffffffff-00000001', '--json']);
    assert.equal(replay.code, 1, replay.stderr);
    const [result] = JSON.parse(replay.stdout) as { sessionID: string; replayed: boolean; reason?: string }[];
    assert.equal(result?.sessionID, 'nope00-ffffffff-00000001');
    assert.equal(result?.replayed, false);
    const redrive = await runCli(['redrive', '--json']);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.deepEqual(JSON.parse(redrive.stdout), { moved: [], kept: [] });
  });
});

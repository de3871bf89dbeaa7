import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SessionBusyError } from '#core/errors.ts';
import type { UploadPrepared } from '#core/session.ts';
import { RETENTION_DAYS } from '#core/settings.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';

/** The DynamoDB session store against a real moto_server over HTTP: the lifecycle table holds there. */

let aws: LocalAws;
let client: DynamoDBClient;
let store: DynamoSessionStore;
let table: string;

before(async () => {
  aws = await startLocalAws();
  client = new DynamoDBClient({});
});
after(async () => {
  client?.destroy();
  await aws?.stop();
});
beforeEach(async () => {
  table = (await aws.fresh()).sessionsTable;
  store = new DynamoSessionStore(client, table);
});

const LEASE = 20_000;
const prepared = (guid: string): UploadPrepared => ({
  guid,
  certNo: 'CERT-1',
  payExInfoStr: `{"guid":"${guid}"}`,
  orderNos: ['O-1'],
  at: 150,
});

/** A session customs accepted on the first attempt. */
async function uploadedSession(sessionID: string) {
  await store.create({ sessionID, orderNo: 'O-1', receivedAt: 100 });
  const { session } = await store.claimWithPayload(sessionID, 'O-1', 200, LEASE, prepared('G-1'));
  await store.recordOutcome(sessionID, session.attempts, {
    state: 'uploaded',
    customsCode: '10000',
    customsMessage: 'ok',
    at: 300,
    latencyMs: 200,
  });
  return session.attempts;
}

describe('DynamoSessionStore keeps to the session lifecycle', () => {
  it('an uploaded session is not claimed, re-queued or overwritten, even when a caller asks', async () => {
    const attempt = await uploadedSession('S-done');

    const claim = await store.claim('S-done', 400, LEASE);
    assert.equal(claim.claimed, false);
    assert.equal(claim.session.state, 'uploaded');

    assert.equal(await store.markQueued('S-done', 500, ['uploaded', 'failed']), false);

    // a late write by the attempt that uploaded it (its own outcome write looked failed): refused
    await assert.rejects(
      store.recordOutcome('S-done', attempt, { state: 'retrying', error: 'late', at: 600 }),
      ConditionalCheckFailedException,
    );

    const s = await store.get('S-done');
    assert.equal(s?.state, 'uploaded');
    assert.equal(s?.customsCode, '10000');
    assert.equal(s?.payExInfoStr, '{"guid":"G-1"}');
    assert.equal(s?.error, undefined);
  });

  it('a verdict is not recorded on a session nobody holds', async () => {
    await store.create({ sessionID: 'S-queued', orderNo: 'O-1', receivedAt: 100 });
    await assert.rejects(
      store.recordOutcome('S-queued', 0, {
        state: 'uploaded',
        customsCode: '10000',
        customsMessage: 'ok',
        at: 200,
        latencyMs: 100,
      }),
      ConditionalCheckFailedException,
    );
    assert.equal((await store.get('S-queued'))?.state, 'received');
  });

  it('a dead-lettered session with no outcome is recorded failed; a live lease or an outcome is not touched', async () => {
    await store.create({ sessionID: 'S-dead', orderNo: 'O-1', receivedAt: 100 });
    assert.equal(await store.markDeadLettered('S-dead', 'dead-lettered after 5 receives: x', 200), true);
    const s = await store.get('S-dead');
    assert.deepEqual(
      [s?.state, s?.error, s?.finishedAt],
      ['failed', 'dead-lettered after 5 receives: x', 200],
    );
    assert.equal(await store.markDeadLettered('S-dead', 'again', 300), false);

    await store.create({ sessionID: 'S-held', orderNo: 'O-1', receivedAt: 100 });
    await store.claim('S-held', 200, LEASE);
    assert.equal(await store.markDeadLettered('S-held', 'dead', 200 + LEASE - 1), false, 'lease still live');
    assert.equal(await store.markDeadLettered('S-held', 'dead', 200 + LEASE + 1), true, 'lease ran out');
  });

  it('another orderNo sent with a sessionID is noted once each, the first order kept', async () => {
    await store.create({ sessionID: 'S-other', orderNo: 'O-1', receivedAt: 100 });
    await store.recordOtherOrder('S-other', 'O-2', 200);
    await store.recordOtherOrder('S-other', 'O-2', 300);
    await store.recordOtherOrder('S-other', 'O-3', 400);
    const s = await store.get('S-other');
    assert.deepEqual([s?.orderNo, s?.otherOrderNos], ['O-1', ['O-2', 'O-3']]);
    // and never creates a session
    await store.recordOtherOrder('S-none', 'O-2', 500);
    assert.equal(await store.get('S-none'), undefined);
  });

  it('a grab is recorded received, queued after its send, and found by the sweep only once stale', async () => {
    await store.create({ sessionID: 'S-sweep', orderNo: 'O-1', receivedAt: 1_000 });
    assert.deepEqual(
      (await store.listByState('received', 0, 999)).map((s) => s.sessionID),
      [],
      'not before its time',
    );
    assert.ok((await store.listByState('received', 0, 1_000)).some((s) => s.sessionID === 'S-sweep'));
    // a send that failed keeps it received, with the reason
    await store.markNotQueued('S-sweep', 'could not queue the grab: down', 1_100);
    assert.equal((await store.get('S-sweep'))?.error, 'could not queue the grab: down');
    assert.equal(await store.markQueued('S-sweep', 1_200, ['received']), true);
    const queued = await store.get('S-sweep');
    assert.deepEqual([queued?.state, queued?.queuedAt, queued?.error], ['queued', 1_200, undefined]);

    // one sweep of a stale queued session stamps it; a second sweep that saw the old stamp does not
    assert.equal(await store.markResent('S-sweep', 1_200, 9_000), true);
    assert.equal(await store.markResent('S-sweep', 1_200, 9_001), false);
    assert.equal((await store.get('S-sweep'))?.updatedAt, 9_000);
    // and a claimed session is never stamped as resent
    const { session } = await store.claim('S-sweep', 9_100, LEASE);
    assert.equal(await store.markResent('S-sweep', session.updatedAt, 9_200), false);
  });

  it('a session expires RETENTION_DAYS after it was received (its payment unknown to the grab)', async () => {
    const receivedAt = Date.UTC(2026, 5, 10, 1, 30, 0, 500);
    await store.create({ sessionID: 'S-ttl', orderNo: 'O-1', receivedAt });
    const raw = await client.send(
      new GetItemCommand({ TableName: table, Key: { sessionID: { S: 'S-ttl' } } }),
    );
    assert.equal(Number(raw.Item?.expiresAt?.N), Math.ceil(receivedAt / 1000) + RETENTION_DAYS * 86_400);
    // a stage's own retention
    await new DynamoSessionStore(client, table, 30).create({
      sessionID: 'S-ttl-30',
      orderNo: 'O-1',
      receivedAt,
    });
    const short = await client.send(
      new GetItemCommand({ TableName: table, Key: { sessionID: { S: 'S-ttl-30' } } }),
    );
    assert.equal(Number(short.Item?.expiresAt?.N), Math.ceil(receivedAt / 1000) + 30 * 86_400);
  });

  it("a prepared session carries its payment's expiry when later, never an earlier one, and keeps it through a replay", async () => {
    const expiresAtOf = async (sessionID: string) => {
      const raw = await client.send(
        new GetItemCommand({ TableName: table, Key: { sessionID: { S: sessionID } } }),
      );
      return Number(raw.Item?.expiresAt?.N);
    };
    const receivedAt = Date.UTC(2026, 5, 10, 1, 30, 0);
    const created = Math.ceil(receivedAt / 1000) + RETENTION_DAYS * 86_400;
    await store.create({ sessionID: 'S-pay-ttl', orderNo: 'O-1', receivedAt });
    assert.equal(await expiresAtOf('S-pay-ttl'), created);
    // the payload stored with the claim: its payment expires a day later than the receipt would
    const first = await store.claimWithPayload('S-pay-ttl', 'O-1', receivedAt + 1, LEASE, {
      ...prepared('G-1'),
      expiresAt: created + 86_400,
    });
    assert.equal(first.claimed, true);
    assert.equal(await expiresAtOf('S-pay-ttl'), created + 86_400);
    await store.recordOutcome('S-pay-ttl', first.session.attempts, {
      state: 'failed',
      error: 'bad data',
      at: 300,
    });
    // a replay drops the payload, not the expiry
    assert.equal(await store.markQueued('S-pay-ttl', 400, ['failed']), true);
    assert.equal(await expiresAtOf('S-pay-ttl'), created + 86_400);
    // the payload made again from a payment that expires earlier: stored, and the later expiry kept
    const again = await store.claim('S-pay-ttl', 500, LEASE);
    await store.recordPrepared('S-pay-ttl', again.session.attempts, {
      ...prepared('G-2'),
      expiresAt: created - 86_400,
    });
    assert.equal((await store.get('S-pay-ttl'))?.guid, 'G-2');
    assert.equal(await expiresAtOf('S-pay-ttl'), created + 86_400);
    // and a later one extends it
    await store.recordPrepared('S-pay-ttl', again.session.attempts, {
      ...prepared('G-3'),
      expiresAt: created + 2 * 86_400,
    });
    assert.equal(await expiresAtOf('S-pay-ttl'), created + 2 * 86_400);
    // a claim with a payload whose expiry is earlier still claims (and keeps the stored payload and expiry)
    await store.recordOutcome('S-pay-ttl', again.session.attempts, {
      state: 'retrying',
      error: '503',
      at: 600,
    });
    const third = await store.claimWithPayload('S-pay-ttl', 'O-1', 700, LEASE, {
      ...prepared('G-4'),
      expiresAt: created,
    });
    assert.deepEqual([third.claimed, third.session.guid], [true, 'G-3']);
    assert.equal(await expiresAtOf('S-pay-ttl'), created + 2 * 86_400);
    // a write refused for its lease, not its expiry, is still refused
    await assert.rejects(
      store.recordPrepared('S-pay-ttl', again.session.attempts, { ...prepared('G-5'), expiresAt: created }),
      ConditionalCheckFailedException,
    );
    await assert.rejects(
      store.claimWithPayload('S-pay-ttl', 'O-1', 800, LEASE, { ...prepared('G-6'), expiresAt: created }),
      SessionBusyError,
    );
  });

  it('a live lease is not taken over; one that ran out is', async () => {
    await store.create({ sessionID: 'S-lease', orderNo: 'O-1', receivedAt: 100 });
    const first = await store.claim('S-lease', 200, LEASE);
    assert.deepEqual([first.claimed, first.session.state, first.session.attempts], [true, 'uploading', 1]);
    await assert.rejects(store.claim('S-lease', 200 + LEASE - 1, LEASE), SessionBusyError);
    const second = await store.claim('S-lease', 200 + LEASE + 1, LEASE);
    assert.deepEqual([second.claimed, second.session.attempts], [true, 2]);
  });

  it('a replay of a failed session drops its prepared payload; a retrying one is not replayed', async () => {
    await store.create({ sessionID: 'S-failed', orderNo: 'O-1', receivedAt: 100 });
    const { session } = await store.claimWithPayload('S-failed', 'O-1', 200, LEASE, prepared('G-1'));
    await store.recordOutcome('S-failed', session.attempts, { state: 'failed', error: 'bad data', at: 300 });

    assert.equal(await store.markQueued('S-failed', 400, ['failed']), true);
    const s = await store.get('S-failed');
    assert.equal(s?.state, 'queued');
    for (const a of [
      'guid',
      'certNo',
      'payExInfoStr',
      'orderNos',
      'preparedAt',
      'error',
      'finishedAt',
    ] as const)
      assert.equal(s?.[a], undefined, `${a} survived the replay`);

    await store.create({ sessionID: 'S-retrying', orderNo: 'O-1', receivedAt: 100 });
    const r = await store.claim('S-retrying', 200, LEASE);
    await store.recordOutcome('S-retrying', r.session.attempts, { state: 'retrying', error: '503', at: 300 });
    assert.equal(await store.markQueued('S-retrying', 400, ['retrying']), false);
    assert.equal((await store.get('S-retrying'))?.state, 'retrying');
  });

  it('a payload stored by an earlier attempt is the one kept', async () => {
    await store.create({ sessionID: 'S-again', orderNo: 'O-1', receivedAt: 100 });
    const first = await store.claimWithPayload('S-again', 'O-1', 200, LEASE, prepared('G-1'));
    await store.recordOutcome('S-again', first.session.attempts, {
      state: 'retrying',
      error: '503',
      at: 300,
    });
    const second = await store.claimWithPayload('S-again', 'O-1', 400, LEASE, prepared('G-2'));
    assert.equal(second.session.guid, 'G-1');
    assert.equal(second.session.payExInfoStr, '{"guid":"G-1"}');
    assert.equal(second.session.preparedAt, 150);
  });

  it('a claim tells whether an earlier try may have reached customs; the mark before the send makes it so', async () => {
    await store.create({ sessionID: 'S-reach', orderNo: 'O-1', receivedAt: 100 });
    const first = await store.claimWithPayload('S-reach', 'O-1', 200, LEASE, prepared('G-1'));
    assert.equal(first.session.mayHaveReachedCustoms, undefined);
    // the claim alone sends nothing: a worker that died here leaves nothing that may have reached customs
    const afterCrash = await store.claim('S-reach', 200 + LEASE + 1, LEASE);
    assert.equal(afterCrash.session.mayHaveReachedCustoms ?? false, false);
    // marked just before the send: a crash after it counts
    await store.markSending('S-reach', afterCrash.session.attempts);
    assert.equal((await store.get('S-reach'))?.mayHaveReachedCustoms, true);
    // every try was refused at connect: the outcome says customs never got one
    await store.recordOutcome('S-reach', afterCrash.session.attempts, {
      state: 'retrying',
      error: 'ECONNREFUSED',
      at: 300 + LEASE,
      mayHaveReachedCustoms: false,
    });
    const second = await store.claim('S-reach', 400 + LEASE, LEASE);
    assert.equal(second.session.mayHaveReachedCustoms, false);
    await store.markSending('S-reach', second.session.attempts);
    // this one died after its mark, recording nothing; the lease runs out
    const third = await store.claim('S-reach', 400 + 2 * LEASE + 1, LEASE);
    assert.equal(third.session.mayHaveReachedCustoms, true);
    await store.recordOutcome('S-reach', third.session.attempts, {
      state: 'uploaded',
      customsCode: '20000',
      customsMessage: '入库失败',
      inferred: true,
      at: 500 + 2 * LEASE,
      latencyMs: 400 + 2 * LEASE,
      mayHaveReachedCustoms: true,
    });
    const s = await store.get('S-reach');
    assert.equal(s?.inferred, true);
    assert.equal(s?.customsMessage, '入库失败');
  });

  it('a worker that lost its lease may not mark a send (nothing may be sent)', async () => {
    await store.create({ sessionID: 'S-lost', orderNo: 'O-1', receivedAt: 100 });
    const mine = await store.claimWithPayload('S-lost', 'O-1', 200, LEASE, prepared('G-1'));
    // my lease ran out and another worker took the session over
    const theirs = await store.claim('S-lost', 200 + LEASE + 1, LEASE);
    await assert.rejects(store.markSending('S-lost', mine.session.attempts), ConditionalCheckFailedException);
    assert.equal((await store.get('S-lost'))?.mayHaveReachedCustoms, undefined);
    // nor once the session has an outcome, even at its own attempt
    await store.recordOutcome('S-lost', theirs.session.attempts, {
      state: 'failed',
      error: 'x',
      at: 300 + LEASE,
    });
    await assert.rejects(
      store.markSending('S-lost', theirs.session.attempts),
      ConditionalCheckFailedException,
    );
    // a session never claimed: no attempt holds it
    await store.create({ sessionID: 'S-unclaimed', orderNo: 'O-1', receivedAt: 100 });
    await assert.rejects(store.markSending('S-unclaimed', 0), ConditionalCheckFailedException);
    assert.equal((await store.get('S-unclaimed'))?.mayHaveReachedCustoms, undefined);
  });

  it('a replay keeps that an earlier try may have reached customs', async () => {
    await store.create({ sessionID: 'S-replayed', orderNo: 'O-1', receivedAt: 100 });
    const { session } = await store.claimWithPayload('S-replayed', 'O-1', 200, LEASE, prepared('G-1'));
    await store.recordOutcome('S-replayed', session.attempts, {
      state: 'failed',
      error: 'gave up after 5 deliveries: reply lost',
      at: 300,
      mayHaveReachedCustoms: true,
    });
    assert.equal(await store.markQueued('S-replayed', 400, ['failed']), true);
    const again = await store.claimWithPayload('S-replayed', 'O-1', 500, LEASE, prepared('G-2'));
    assert.equal(again.session.guid, 'G-2');
    assert.equal(again.session.mayHaveReachedCustoms, true);
  });
});

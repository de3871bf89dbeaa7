import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoClearanceStore } from '#adapters/dynamodb/clearance-store.ts';
import { partnerSecrets } from '#adapters/partner-secrets.ts';
import type { RecordedEvent } from '#core/clearance/event.ts';
import { ConfigError } from '#core/errors.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';

/** The clearance table and the partner secrets against a real moto_server. */
let aws: LocalAws;
let ddb: DynamoDBClient;
let table: string;
let store: DynamoClearanceStore;

before(async () => {
  aws = await startLocalAws();
  ddb = new DynamoDBClient({});
  table = (await aws.fresh()).clearanceTable;
  store = new DynamoClearanceStore(ddb, table);
});
after(async () => {
  ddb?.destroy();
  await aws?.stop();
});

const T = 1_795_300_000_000;
/** what the use case asks the items to be kept until (epoch seconds) */
const EXPIRES = Math.ceil(T / 1000) + 1096 * 86_400;
const event = (orderNo: string, returnStatus: number, over: Partial<RecordedEvent> = {}): RecordedEvent => ({
  orderNo,
  source: 'CEB312',
  dedupeKey: `CEB312#G#${returnStatus}`,
  returnStatus,
  eventAt: T + returnStatus,
  eventTime: '20261122063000000',
  info: '放行',
  refs: { guid: 'G' },
  partner: 'broker',
  receivedAt: T + 10_000,
  ...over,
});

describe('the clearance table', () => {
  it("keeps each order's events, once each, and reads them back as they were", async () => {
    assert.equal(await store.append(event('SO-1', 120), EXPIRES), 'appended');
    assert.equal(await store.append(event('SO-1', 800), EXPIRES), 'appended');
    assert.equal(
      await store.append(
        event('SO-1', 800, { info: 'a repeat that says more', receivedAt: T + 20_000 }),
        EXPIRES,
      ),
      'duplicate',
    );
    assert.equal(await store.append(event('SO-2', 800), EXPIRES), 'appended');
    const timeline = (await store.timeline('SO-1')).sort((a, b) => a.eventAt - b.eventAt);
    assert.deepEqual(timeline, [event('SO-1', 120), event('SO-1', 800)]);
    assert.deepEqual(await store.timeline('NOBODY'), []);
  });

  it('files inventory receipts under copNo and adds them to the order once the copNo is linked', async () => {
    const receipt = (returnStatus: number, partner = 'broker'): RecordedEvent => {
      const { orderNo: _, ...rest } = event('unused', returnStatus, {
        source: 'CEB622',
        dedupeKey: `CEB622#GI#${returnStatus}`,
        refs: { guid: 'GI', copNo: 'NB-7', invtNo: '29912026I000007' },
        partner,
      });
      return rest;
    };
    assert.equal(await store.append(event('SO-7', 2), EXPIRES), 'appended');
    assert.equal(await store.append(receipt(800), EXPIRES), 'appended');
    // Another partner's event under the same key is its own, not a repeat.
    assert.equal(await store.append(receipt(800, 'other-broker'), EXPIRES), 'appended');
    assert.equal(await store.orderOf('NB-7'), undefined);
    assert.equal((await store.timeline('SO-7')).length, 1);
    assert.deepEqual(
      (await store.unlinked()).map((u) => [u.copNo, u.events.length]),
      [['NB-7', 2]],
    );

    const link = {
      copNo: 'NB-7',
      orderNo: 'SO-7',
      source: 'CEB621' as const,
      partner: 'broker',
      linkedAt: T,
    };
    assert.deepEqual(await store.link(link, EXPIRES), { outcome: 'linked', orderNo: 'SO-7' });
    // The first link stands.
    assert.deepEqual(await store.link({ ...link, orderNo: 'SO-8' }, EXPIRES), {
      outcome: 'already',
      orderNo: 'SO-7',
    });
    assert.equal(await store.orderOf('NB-7'), 'SO-7');
    // customs' invtNo, once a receipt carried it, finds the order too.
    assert.equal(await store.orderOf('29912026I000007'), 'SO-7');
    assert.equal(await store.orderOf('29912026I-NONE'), undefined);
    const timeline = await store.timeline('SO-7');
    assert.deepEqual(timeline.map((e) => `${e.source} ${e.returnStatus} ${e.partner}`).sort(), [
      'CEB312 2 broker',
      'CEB622 800 broker',
      'CEB622 800 other-broker',
    ]);
    assert.deepEqual(await store.unlinked(), []);
    assert.deepEqual(await store.timeline('SO-8'), []);
  });

  it("every item of an order's timeline (events, receipts, links, invtNo) carries the expiry it was given", async () => {
    const receipt = event('SO-TTL', 800, {
      source: 'CEB622',
      dedupeKey: 'CEB622#G-TTL#800',
      refs: { guid: 'G-TTL', copNo: 'NB-TTL', invtNo: '29912026I-TTL' },
    });
    await store.append(event('SO-TTL', 120), EXPIRES);
    await store.append(receipt, EXPIRES + 1);
    await store.link(
      { copNo: 'NB-TTL', orderNo: 'SO-TTL', source: 'payment', partner: 'payment-data', linkedAt: T },
      EXPIRES + 2,
    );
    const items = (await ddb.send(new ScanCommand({ TableName: table }))).Items ?? [];
    const expiryOf = (pk: string, sk: string) =>
      items.find((i) => i.pk?.S === pk && i.sk?.S === sk)?.expiresAt?.N;
    assert.equal(expiryOf('ORDER#SO-TTL', 'EVENT#broker#CEB312#G#120'), String(EXPIRES));
    assert.equal(expiryOf('COP#NB-TTL', 'EVENT#broker#CEB622#G-TTL#800'), String(EXPIRES + 1));
    assert.equal(expiryOf('INVT#29912026I-TTL', 'COP'), String(EXPIRES + 1));
    assert.equal(expiryOf('COP#NB-TTL', 'LINK'), String(EXPIRES + 2));
    assert.equal(expiryOf('ORDER#SO-TTL', 'LINK#NB-TTL'), String(EXPIRES + 2));
    // the TTL attribute is not part of the event read back
    assert.ok((await store.timeline('SO-TTL')).every((e) => !('expiresAt' in e)));
  });

  it('lets a signature through once, expiring with the TTL attribute, and again once released', async () => {
    assert.equal(await store.claimSignature('broker', 'ab'.repeat(32), T + 300_000), true);
    assert.equal(await store.claimSignature('broker', 'ab'.repeat(32), T + 300_000), false);
    assert.equal(await store.claimSignature('other', 'ab'.repeat(32), T + 300_000), true);
    const item = await ddb.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: `SIG#broker#${'ab'.repeat(32)}` }, sk: { S: 'SIG' } },
      }),
    );
    assert.equal(item.Item?.expiresAt?.N, String(Math.ceil((T + 300_000) / 1000) + 60));
    await store.releaseSignature('broker', 'ab'.repeat(32));
    assert.equal(await store.claimSignature('broker', 'ab'.repeat(32), T + 300_000), true);
  });

  it('lets only one of two concurrent copies of a signature through', async () => {
    const sig = 'cd'.repeat(32);
    const results = await Promise.all([1, 2, 3].map(() => store.claimSignature('broker', sig, T)));
    assert.deepEqual(
      results.filter((r) => r),
      [true],
    );
  });
});

describe('partner secrets from the stores a deployed stack uses', () => {
  it('reads them from a Secrets Manager secret', async () => {
    const sm = new SecretsManagerClient({});
    const value = JSON.stringify({ 'broker-1': 'secret-from-the-store-0123' });
    await sm.send(new CreateSecretCommand({ Name: 'ceb-grab/callback-partners', SecretString: value }));
    const fromSecret = partnerSecrets({ CALLBACK_PARTNER_SECRETS_SECRET_ID: 'ceb-grab/callback-partners' });
    assert.deepEqual(await fromSecret.partnerFor('broker-1'), {
      secret: 'secret-from-the-store-0123',
      scheme: 'hmac',
    });
    assert.equal(await fromSecret.partnerFor('broker-2'), undefined);

    await sm.send(
      new CreateSecretCommand({ Name: 'ceb-grab/not-json', SecretString: 'hunter2hunter2hunter2' }),
    );
    await assert.rejects(
      partnerSecrets({ CALLBACK_PARTNER_SECRETS_SECRET_ID: 'ceb-grab/not-json' }).partnerFor('broker-1'),
      (e) => e instanceof ConfigError && !e.message.includes('hunter2'),
    );
    sm.destroy();
  });
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SessionBusyError } from '#core/errors.ts';
import { startMoto } from '#local/moto.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';

/**
 * DynamoDB applies each conditional write atomically per item, so of several workers claiming one
 * session's lease at once exactly one wins. The local emulator must too (local/moto_server_atomic.py):
 * plain moto_server, threaded, lets two claims win now and then, which no deployed stage can see.
 */
const ROUNDS = 100;
const CLAIMANTS = 3;
const LEASE = 20_000;

let aws: LocalAws;
const clients: DynamoDBClient[] = [];

before(async () => {
  aws = await startLocalAws();
});
after(async () => {
  for (const c of clients) c.destroy();
  await aws?.stop();
});

describe('the local AWS emulator applies conditional writes atomically, as DynamoDB does', () => {
  it(`of ${CLAIMANTS} workers claiming one session's lease at once, exactly one wins, ${ROUNDS} times in a row`, async () => {
    const { sessionsTable } = await aws.fresh();
    // One client per worker, as each Lambda has its own: the claims arrive on separate connections.
    for (let i = 0; i < CLAIMANTS; i++) clients.push(new DynamoDBClient({}));
    const stores = clients.map((c) => new DynamoSessionStore(c, sessionsTable));
    const [creator] = stores;
    assert.ok(creator);

    const rounds: { winners: number; attempts: number | undefined }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sessionID = `S-race-${round}`;
      await creator.create({ sessionID, orderNo: 'O-1', receivedAt: 100 });
      const outcomes = await Promise.all(
        stores.map((s) =>
          s.claim(sessionID, 200, LEASE).then(
            (r) => r.claimed,
            (e: unknown) => {
              if (e instanceof SessionBusyError) return false;
              throw e;
            },
          ),
        ),
      );
      const session = await creator.get(sessionID);
      rounds.push({ winners: outcomes.filter(Boolean).length, attempts: session?.attempts });
    }

    const wrong = rounds.flatMap((r, i) => (r.winners === 1 && r.attempts === 1 ? [] : [{ round: i, ...r }]));
    assert.deepEqual(
      wrong,
      [],
      `${wrong.length} of ${ROUNDS} rounds did not have exactly one winner and one recorded attempt ` +
        `(moto ran ${aws.moto.atomicDynamoDb ? 'through' : 'without'} local/moto_server_atomic.py)`,
    );
  });

  it('a moto whose DynamoDB the launcher cannot lock does not start, and says why', async () => {
    // A moto package shadowing the real one, as an upgrade that renamed update_item would look.
    const HANDLER_METHODS = [
      'call_action',
      'put_item',
      'update_item',
      'delete_item',
      'transact_write_items',
      'batch_write_item',
    ];
    const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-moto-shadow-'));
    try {
      mkdirSync(join(dir, 'moto', 'dynamodb'), { recursive: true });
      writeFileSync(join(dir, 'moto', '__init__.py'), '');
      writeFileSync(join(dir, 'moto', 'dynamodb', '__init__.py'), '');
      writeFileSync(
        join(dir, 'moto', 'dynamodb', 'models.py'),
        'class DynamoDBBackend:\n    def put_item(self): pass\n',
      );
      writeFileSync(
        join(dir, 'moto', 'dynamodb', 'responses.py'),
        `class DynamoHandler:\n${HANDLER_METHODS.map((m) => `    def ${m}(self): pass\n`).join('')}`,
      );
      await assert.rejects(
        startMoto({ env: { ...process.env, PYTHONPATH: dir }, log: () => undefined }),
        /moto_server exited with 1: moto_server_atomic: DynamoDBBackend has no update_item; .*update the launcher/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

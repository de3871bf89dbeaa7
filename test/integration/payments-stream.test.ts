import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import type { Payment } from '#core/protocol/payment.ts';
import type { Session } from '#core/session.ts';
import type { OrderStatus } from '#core/use-cases/order-status.ts';
import type { CustomsSimulator } from '#doubles/customs-simulator/server.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { makePayment } from '#test/helpers/payments.ts';
import { iamFetch } from '#test/helpers/sigv4.ts';

/**
 * Any write of a payment replays the grabs that waited for it: POST /payments and a direct PutItem
 * into the Payments table both reach the payments-stream function through moto's DynamoDB stream.
 * A payment changed after its upload is reported in the order's status and never sent again.
 */
let stack: LocalStack;
let customs: CustomsSimulator;
let ddb: DynamoDBClient;
let sessions: DynamoSessionStore;

before(async () => {
  stack = await startLocalStack({ port: 0, logLevel: 'SILENT', visibilityTimeoutSeconds: 2 });
  assert.ok(stack.customs);
  customs = stack.customs;
  ddb = new DynamoDBClient({});
  sessions = new DynamoSessionStore(ddb, stack.resources.sessionsTable);
});
after(async () => {
  ddb?.destroy();
  await stack?.stop();
});

let seq = 0;
function newPayment(): Payment {
  seq++;
  const orderNos = [`PS${Date.now()}${seq}-1`, `PS${Date.now()}${seq}-2`];
  const p = makePayment({ payTransactionId: `42000006812026120500${seq}${Date.now()}` }, orderNos);
  customs.declarePayment(p.payTransactionId, orderNos);
  return p;
}

async function stateOf(sessionID: string, want: Session['state'], timeoutMs = 20_000): Promise<Session> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sessions.get(sessionID);
    if (s?.state === want) return s;
    if (Date.now() > deadline) assert.fail(`session ${sessionID} is ${s?.state ?? 'missing'}, not ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const postPayments = (body: string) =>
  iamFetch(`${stack.apiUrl}/payments`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });

async function grabBeforeItsPayment(p: Payment): Promise<string> {
  const grab = await customs.sendGrab(stack.platDataOpenUrl, p.orders[0]?.orderNo ?? '');
  await stateOf(grab.sessionID, 'no-data');
  return grab.sessionID;
}

describe('the Payments stream replays what waited for a payment', () => {
  it('a grab that came before its payment is uploaded once the payment is POSTed', async () => {
    const p = newPayment();
    const sessionID = await grabBeforeItsPayment(p);
    const reply = await postPayments(JSON.stringify(p));
    assert.equal(reply.status, 200);
    const s = await stateOf(sessionID, 'uploaded');
    assert.equal(s.customsCode, '10000');
    assert.equal(customs.uploads(sessionID).length, 1);
  });

  it("a direct PutItem of an order item (the platform's own write) triggers the same replay", async () => {
    const p = newPayment();
    const sessionID = await grabBeforeItsPayment(p);
    const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
    for (const o of p.orders) {
      await doc.send(
        new PutCommand({
          TableName: stack.resources.paymentsTable,
          Item: {
            pk: `ORDER#${o.orderNo}`,
            paymentKey: `${p.payCode}#${p.payTransactionId}`,
            contentHash: 'written-by-the-platform',
            loadedAt: Date.now(),
            payment: p,
          },
        }),
      );
    }
    await stateOf(sessionID, 'uploaded');
    assert.equal(customs.uploads(sessionID).length, 1);
  });

  it('a payment changed after its upload is reported in status, never sent again', async () => {
    const p = newPayment();
    assert.equal((await postPayments(JSON.stringify(p))).status, 200);
    const grab = await customs.sendGrab(stack.platDataOpenUrl, p.orders[0]?.orderNo ?? '');
    await stateOf(grab.sessionID, 'uploaded');
    const before = await (await iamFetch(`${stack.apiUrl}/orders/${p.orders[0]?.orderNo}/status`)).json();
    assert.deepEqual((before as OrderStatus).notes, []);

    const changed = { ...p, note: 'amount corrected by the platform' };
    const reply = (await (await postPayments(JSON.stringify(changed))).json()) as { results: unknown[] };
    assert.deepEqual(reply.results, [{ line: 1, status: 'updated', errors: [] }]);
    // Give the stream time to act, then check it did not re-send.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await sessions.get(grab.sessionID))?.state, 'uploaded');
    assert.equal(customs.uploads(grab.sessionID).length, 1);
    const status = (await (
      await iamFetch(`${stack.apiUrl}/orders/${p.orders[0]?.orderNo}/status`)
    ).json()) as OrderStatus;
    assert.equal(status.notes.length, 1);
    assert.match(status.notes[0] ?? '', /customs holds an older version/);
    assert.ok(stack.paymentsStream.stats.records > 0);
  });
});

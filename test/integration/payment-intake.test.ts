import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import type { IntakeResult } from '#core/use-cases/take-payments.ts';
import { startApiServer } from '#local/api-server.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';
import { makePayment } from '#test/helpers/payments.ts';

/** POST /payments through the local API server (the deployed route's handler), moto behind it. */
let aws: LocalAws;
let server: Server;
let api: string;
let ddb: DynamoDBClient;
let store: DynamoPaymentStore;

before(async () => {
  aws = await startLocalAws();
  const { paymentsTable } = await aws.fresh();
  Object.assign(process.env, {
    CALLBACK_PARTNER_SECRETS: JSON.stringify({ p: 'secret-for-the-intake-tests' }),
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const { localRoutes } = await import('#local/routes.ts');
  ({ server, url: api } = await startApiServer(await localRoutes(), 0));
  ddb = new DynamoDBClient({});
  store = new DynamoPaymentStore(ddb, paymentsTable);
});
after(async () => {
  server?.closeAllConnections();
  server?.close();
  ddb?.destroy();
  await aws?.stop();
});

async function post(body: string): Promise<{ status: number; type: string | null; json: IntakeResult }> {
  const res = await fetch(`${api}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: (await res.json()) as IntakeResult,
  };
}

describe('POST /payments on the local API', () => {
  it('stores each NDJSON line and answers per line; the same body again is unchanged', async () => {
    const body = [makePayment({}, ['PI-1A', 'PI-1B']), makePayment({}, ['PI-2A'])]
      .map((p) => JSON.stringify(p))
      .join('\n');
    const first = await post(body);
    assert.equal(first.status, 200);
    assert.equal(first.type, 'application/json; charset=utf-8');
    assert.deepEqual(first.json.results, [
      { line: 1, status: 'created', errors: [] },
      { line: 2, status: 'created', errors: [] },
    ]);
    assert.equal((await store.findByOrder('PI-1B'))?.orders.length, 2);
    const again = await post(body);
    assert.deepEqual(
      again.json.results.map((r) => r.status),
      ['unchanged', 'unchanged'],
    );
  });

  it('a changed payment is updated', async () => {
    const payment = makePayment({}, ['PI-3A']);
    await post(JSON.stringify(payment));
    const changed = await post(JSON.stringify({ ...payment, note: 'corrected' }));
    assert.deepEqual(changed.json.results, [{ line: 1, status: 'updated', errors: [] }]);
    assert.equal((await store.findByOrder('PI-3A'))?.note, 'corrected');
  });

  it('a rejected line answers 422 naming the unknown field; the good line is stored', async () => {
    const { payTransactionId, ...rest } = makePayment({}, ['PI-4A']);
    const body = `${JSON.stringify({ ...rest, payTransactionID: payTransactionId })}\n${JSON.stringify(
      makePayment({}, ['PI-4B']),
    )}`;
    const reply = await post(body);
    assert.equal(reply.status, 422);
    assert.equal(reply.json.rejected, 1);
    assert.ok(
      reply.json.results[0]?.errors.some((e) => e.rule === 'unknown field payTransactionID'),
      JSON.stringify(reply.json.results[0]),
    );
    assert.equal(await store.findByOrder('PI-4A'), undefined);
    assert.ok(await store.findByOrder('PI-4B'));
  });

  it('an empty body is a 400 with the reason, in JSON', async () => {
    const reply = await post('');
    assert.equal(reply.status, 400);
    assert.match((reply.json as unknown as { message: string }).message, /body is empty/);
  });
});

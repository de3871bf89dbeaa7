import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import type { IntakeResult } from '#core/use-cases/take-payments.ts';
import { startApiServer } from '#local/api-server.ts';
import { signedFetch, signRequest } from '#local/sigv4-fetch.ts';
import { LOCAL_CREDENTIALS } from '#local/stack-file.ts';
import { type LocalAws, REGION, startLocalAws } from '#test/helpers/local-aws.ts';
import { makePayment } from '#test/helpers/payments.ts';
import { iamFetch, LOCAL_IAM } from '#test/helpers/sigv4.ts';

/**
 * POST /payments through the local API server (the deployed route's handler), moto behind it; the
 * route is IAM-authorized, so every request is signed with SigV4 unless a test says otherwise.
 */
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
  ({ server, url: api } = await startApiServer(await localRoutes(), 0, { iam: LOCAL_IAM }));
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
  const res = await iamFetch(`${api}/payments`, {
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

/** `curl --aws-sigv4`, as the README shows it: the reply's body and status. */
function curlSigV4(url: string, file: string, user: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      [
        '-sS',
        '--aws-sigv4',
        `aws:amz:${REGION}:execute-api`,
        '--user',
        user,
        '-H',
        'content-type: application/x-ndjson',
        '-X',
        'POST',
        url,
        '--data-binary',
        `@${file}`,
        '-w',
        '\n%{http_code}',
      ],
      (err, stdout) => {
        if (err) return reject(err);
        const cut = stdout.lastIndexOf('\n');
        resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
      },
    );
  });
}

describe('POST /payments is IAM-authorized (SigV4), as API Gateway does it', () => {
  const ndjson = (...orderNos: string[]) =>
    orderNos.map((o) => JSON.stringify(makePayment({}, [o]))).join('\n');

  it('curl --aws-sigv4 with the local credentials is answered per line and the payments are stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'intake-curl-'));
    try {
      const file = join(dir, 'payments.ndjson');
      writeFileSync(file, ndjson('PI-C1', 'PI-C2'));
      const user = `${LOCAL_CREDENTIALS.accessKeyId}:${LOCAL_CREDENTIALS.secretAccessKey}`;
      const reply = await curlSigV4(`${api}/payments`, file, user);
      assert.equal(reply.status, 200, reply.body);
      assert.deepEqual((JSON.parse(reply.body) as IntakeResult).results, [
        { line: 1, status: 'created', errors: [] },
        { line: 2, status: 'created', errors: [] },
      ]);
      assert.ok(await store.findByOrder('PI-C2'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unsigned: 403 Missing Authentication Token, nothing stored', async () => {
    const res = await fetch(`${api}/payments`, { method: 'POST', body: ndjson('PI-U1') });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.deepEqual(await res.json(), { message: 'Missing Authentication Token' });
    assert.equal(await store.findByOrder('PI-U1'), undefined);
  });

  it('signed with a wrong secret: 403 signature mismatch, nothing stored', async () => {
    const res = await signedFetch(
      `${api}/payments`,
      { method: 'POST', body: ndjson('PI-W1') },
      { region: REGION, credentials: { ...LOCAL_CREDENTIALS, secretAccessKey: 'not-the-secret' } },
    );
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    assert.match(
      ((await res.json()) as { message: string }).message,
      /^The request signature we calculated does not match the signature you provided\./,
    );
    assert.equal(await store.findByOrder('PI-W1'), undefined);
  });

  it('an access key id the local stack does not know: 403, nothing stored', async () => {
    const res = await signedFetch(
      `${api}/payments`,
      { method: 'POST', body: ndjson('PI-K1') },
      { region: REGION, credentials: { accessKeyId: 'AKIASOMEONEELSE', secretAccessKey: 'x' } },
    );
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { message: 'The security token included in the request is invalid.' });
    assert.equal(await store.findByOrder('PI-K1'), undefined);
  });

  it('a body changed after signing: 403, neither body stored', async () => {
    const url = `${api}/payments`;
    const signed = await signRequest(
      url,
      { method: 'POST', body: ndjson('PI-B1') },
      { region: REGION, credentials: LOCAL_CREDENTIALS },
    );
    const res = await fetch(url, { ...signed, body: ndjson('PI-B2') });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    assert.equal(await store.findByOrder('PI-B1'), undefined);
    assert.equal(await store.findByOrder('PI-B2'), undefined);
  });
});

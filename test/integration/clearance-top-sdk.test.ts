// TOP's SDK stamps its timestamp in local time; Beijing's, as a broker's machine in China would.
process.env.TZ = 'Asia/Shanghai';

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { OrderStatus } from '#core/use-cases/order-status.ts';
import { clearanceNotice } from '#local/demo-clearance.ts';
import { lambdaContext } from '#local/lambda-context.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { topParams } from '#test/helpers/clearance.ts';
import { runCli } from '#test/helpers/cli.ts';

/**
 * A broker's own TOP client (Taobao's ali-topsdk from npm, configured with our callback URL as its REST
 * endpoint) sends clearance notices to the local stack, and reads our replies the way it reads TOP's.
 */
interface TopError {
  code?: number;
  msg?: string;
  sub_code?: string;
  sub_msg?: string;
}
interface TopClient {
  execute(
    method: string,
    params: Record<string, unknown>,
    cb: (err: TopError | null, res: unknown) => void,
  ): void;
}
// A CommonJS package without types.
const require = createRequire(import.meta.url);
const { ApiClient } = require('ali-topsdk') as {
  ApiClient: new (o: { appkey: string; appsecret: string; url: string }) => TopClient;
};

const APP_KEY = '23456789';
const SECRET = 'top-broker-secret-for-the-tests-0123';
const HMAC_PARTNER = 'hmac-broker';
const HMAC_SECRET = 'hmac-broker-secret-for-the-tests-0123';
const METHOD = 'tmall.hk.clearance.info.send';

let stack: LocalStack;
let ddb: DynamoDBClient;

before(async () => {
  process.env.CALLBACK_PARTNER_SECRETS = JSON.stringify({
    [APP_KEY]: { secret: SECRET, scheme: 'top' },
    [HMAC_PARTNER]: HMAC_SECRET,
  });
  stack = await startLocalStack({ port: 0, logLevel: 'SILENT', visibilityTimeoutSeconds: 2 });
  ddb = new DynamoDBClient({});
});
after(async () => {
  ddb?.destroy();
  await stack?.stop();
});

const callbackUrl = () => `${stack.apiUrl}/clearance/callback`;
let seq = 0;
const newOrder = () => `TOP${Date.now()}-${++seq}`;

function send(client: TopClient, notice: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.execute(METHOD, { order_clearance_info_request: notice }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

async function rejection(p: Promise<unknown>): Promise<TopError> {
  try {
    await p;
  } catch (e) {
    return e as TopError;
  }
  assert.fail('expected the TOP client to reject');
}

async function itemCount(): Promise<number> {
  const out = await ddb.send(new ScanCommand({ TableName: stack.resources.clearanceTable, Select: 'COUNT' }));
  return out.Count ?? 0;
}

const released = (orderNo: string, idempotent = `idem-${orderNo}`) =>
  clearanceNotice({
    orderNo,
    status: 2,
    resultCode: '0000',
    at: Date.now() - 60_000,
    idempotent,
    passNo: 'P1',
  });

describe('a TOP SDK client as the clearance party', () => {
  it('sends a notice (multipart, md5, Beijing time) that resolves with msg_success and shows in ceb-grab status', async () => {
    const orderNo = newOrder();
    const client = new ApiClient({ appkey: APP_KEY, appsecret: SECRET, url: callbackUrl() });
    const reply = (await send(client, released(orderNo))) as Record<string, unknown>;
    assert.equal(reply.msg_success, true);
    assert.equal(reply.msg_code, 'SUCCESS');
    assert.equal(reply.msg_obj, true);
    assert.equal(typeof reply.request_id, 'string');

    const text = await runCli(['status', orderNo]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /clearance: RELEASED/);
    assert.match(text.stdout, /notice 2\/0000 +released/);
    const json = JSON.parse((await runCli(['status', orderNo, '--json'])).stdout) as OrderStatus;
    assert.equal(json.clearance.state, 'released');
    assert.equal(json.clearance.timeline[0]?.partner, APP_KEY);
  });

  it('rejects in the client with TOP’s signature error for a wrong secret, and stores nothing', async () => {
    const before = await itemCount();
    const client = new ApiClient({
      appkey: APP_KEY,
      appsecret: 'not-the-secret-0123456789',
      url: callbackUrl(),
    });
    const e = await rejection(send(client, released(newOrder())));
    assert.equal(e.code, 25);
    assert.equal(e.sub_code, 'isv.invalid-signature');
    assert.equal(await itemCount(), before);
  });

  it('rejects a stale timestamp with TOP’s timestamp error', async () => {
    const client = new ApiClient({ appkey: APP_KEY, appsecret: SECRET, url: callbackUrl() });
    // The client's clock 20 minutes slow: it signs what it sends, so only the time is wrong.
    (client as unknown as { timestamp(): string }).timestamp = () =>
      new Date(Date.now() - 20 * 60_000 + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    const e = await rejection(send(client, released(newOrder())));
    assert.equal(e.code, 31);
    assert.equal(e.sub_code, 'isv.invalid-timestamp');
  });

  it('rejects a replayed request (the same sign within the window) with TOP’s error', async () => {
    const client = new ApiClient({ appkey: APP_KEY, appsecret: SECRET, url: callbackUrl() });
    // Pin the timestamp, so the client sends the very same signed request twice.
    const stamp = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    (client as unknown as { timestamp(): string }).timestamp = () => stamp;
    const notice = released(newOrder());
    await send(client, notice);
    const e = await rejection(send(client, notice));
    assert.equal(e.code, 25);
    assert.equal(e.sub_code, 'isv.request-replayed');
  });

  it('refuses the TOP partner’s secret used with our HMAC headers, and an HMAC partner’s with TOP', async () => {
    const client = new ApiClient({ appkey: HMAC_PARTNER, appsecret: HMAC_SECRET, url: callbackUrl() });
    const e = await rejection(send(client, released(newOrder())));
    assert.equal(e.code, 25);
  });
});

describe('TOP-style notices as other SDKs send them', () => {
  it('takes system parameters in the query string and the notice in an urlencoded body (hmac-sha256), answering XML', async () => {
    const orderNo = newOrder();
    const params = topParams({
      appKey: APP_KEY,
      secret: SECRET,
      notice: released(orderNo),
      at: Date.now(),
      signMethod: 'hmac-sha256',
      format: 'xml',
    });
    const { order_clearance_info_request: notice, ...system } = params;
    const res = await fetch(`${callbackUrl()}?${new URLSearchParams(system)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams({ order_clearance_info_request: notice ?? '' }).toString(),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /xml/);
    const body = await res.text();
    assert.match(body, /<tmall_hk_clearance_info_send_response><msg_success>true<\/msg_success>/);
    const json = JSON.parse((await runCli(['status', orderNo, '--json'])).stdout) as OrderStatus;
    assert.equal(json.clearance.state, 'released');
  });

  it('reads a multipart body API Gateway passed base64-encoded (hmac)', async () => {
    const { handler } = await import('#functions/clearance-callback/handler.ts');
    const orderNo = newOrder();
    const form = new FormData();
    for (const [k, v] of Object.entries(
      topParams({
        appKey: APP_KEY,
        secret: SECRET,
        notice: released(orderNo),
        at: Date.now(),
        signMethod: 'hmac',
      }),
    ))
      form.append(k, v);
    const request = new Request('http://127.0.0.1/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const reply = await handler(
      {
        httpMethod: 'POST',
        path: '/clearance/callback',
        headers: { 'Content-Type': request.headers.get('content-type') ?? '' },
        body: body.toString('base64'),
        isBase64Encoded: true,
        queryStringParameters: null,
      } as never,
      lambdaContext('clearance-callback'),
    );
    assert.equal(reply.statusCode, 200);
    assert.equal(JSON.parse(reply.body).tmall_hk_clearance_info_send_response?.msg_success, true);
    const json = JSON.parse((await runCli(['status', orderNo, '--json'])).stdout) as OrderStatus;
    assert.equal(json.clearance.state, 'released');
  });
});

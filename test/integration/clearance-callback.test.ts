import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { formatReturnTime } from '#core/clearance/china-time.ts';
import type { OrderStatus } from '#core/use-cases/order-status.ts';
import { startApiServer } from '#local/api-server.ts';
import { ceb312Xml, ceb622Xml, clearanceNotice, sendCallback } from '#local/demo-clearance.ts';
import { lambdaContext } from '#local/lambda-context.ts';
import {
  CALLBACK_FIXTURES,
  callbackFixture,
  FIXTURE_ORDER,
  FIXTURE_PARTNER,
  FIXTURE_SECRET,
  resigned,
} from '#test/helpers/clearance.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';
import { iamFetch, LOCAL_IAM } from '#test/helpers/sigv4.ts';

/**
 * POST /clearance/callback and GET /orders/{orderNo}/status through the local API server: HTTP in,
 * API Gateway proxy events to the real handlers, moto behind them.
 */
const PARTNER = 'broker-1';
const SECRET = 'broker-1-secret-for-the-tests-0123';

let aws: LocalAws;
let server: Server;
let api: string;
let ddb: DynamoDBClient;
let clearanceTable: string;

before(async () => {
  aws = await startLocalAws();
  clearanceTable = (await aws.fresh()).clearanceTable;
  Object.assign(process.env, {
    CALLBACK_PARTNER_SECRETS: JSON.stringify({ [PARTNER]: SECRET, [FIXTURE_PARTNER]: FIXTURE_SECRET }),
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  // Imported only now: a handler reads its configuration when its module loads.
  const { localRoutes } = await import('#local/routes.ts');
  ({ server, url: api } = await startApiServer(await localRoutes(), 0, { iam: LOCAL_IAM }));
  ddb = new DynamoDBClient({});
});
after(async () => {
  server?.closeAllConnections();
  server?.close();
  ddb?.destroy();
  await aws?.stop();
});

let seq = 0;
const newOrder = () => `CLR${Date.now()}-${++seq}`;
const url = () => `${api}/clearance/callback`;
const signer = { partner: PARTNER, secret: SECRET };
const MIN = 60_000;

const receipt = (orderNo: string, returnStatus: number, at: number, guid = `G-${orderNo}`) =>
  ceb312Xml({ guid, ebpCode: '46016602EV', orderNo, returnStatus, at, returnInfo: `状态 ${returnStatus}` });

async function status(orderNo: string): Promise<{ http: number; body: OrderStatus }> {
  const res = await iamFetch(`${api}/orders/${encodeURIComponent(orderNo)}/status`);
  return { http: res.status, body: (await res.json()) as OrderStatus };
}

async function itemCount(): Promise<number> {
  const out = await ddb.send(new ScanCommand({ TableName: clearanceTable, Select: 'COUNT' }));
  return out.Count ?? 0;
}

describe('the clearance callback on the local API', () => {
  it('takes every callback shape, answering each in its own format', async () => {
    const orderNo = newOrder();
    const t0 = Date.now() - 30 * MIN;
    const notice = clearanceNotice({
      orderNo,
      status: 2,
      resultCode: '0000',
      at: t0 + 21 * MIN,
      idempotent: 'k1',
    });
    const started = clearanceNotice({ orderNo, status: 1, at: t0 - MIN, idempotent: 'k1' });
    const sent = [
      await sendCallback(
        url(),
        JSON.stringify({ order_clearance_info_request: notice }),
        'application/json',
        signer,
      ),
      await sendCallback(
        url(),
        new URLSearchParams({ order_clearance_info_request: JSON.stringify(started) }).toString(),
        'application/x-www-form-urlencoded; charset=UTF-8',
        signer,
      ),
      await sendCallback(url(), receipt(orderNo, 2, t0), 'application/xml', signer),
      await sendCallback(
        url(),
        ceb622Xml({
          guid: 'INVT-1',
          customsCode: '2991',
          ebpCode: 'E',
          agentCode: 'A',
          copNo: `NB-${orderNo}`,
          preNo: 'P',
          invtNo: '29912026I777',
          returnStatus: 800,
          at: t0 + 20 * MIN,
          returnInfo: `[Code:2600;Desc:放行][订单编号：${orderNo}]`,
        }),
        'text/xml',
        signer,
      ),
      await sendCallback(
        url(),
        JSON.stringify({
          CEB312Message: {
            OrderReturn: {
              guid: `G-${orderNo}`,
              orderNo,
              returnStatus: 120,
              returnTime: formatReturnTime(t0 + 2 * MIN),
            },
          },
        }),
        'application/json',
        signer,
      ),
    ];
    for (const res of sent) {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.reply?.msg_code, 'SUCCESS');
    }
    assert.match(
      sent[2]?.text ?? '',
      /^<\?xml[^>]*\?><clearance_callback_response><msg_success>true<\/msg_success>/,
    );
    assert.deepEqual(JSON.parse(sent[0]?.text ?? ''), {
      msg_success: true,
      msg_code: 'SUCCESS',
      msg_info: 'recorded 1 event',
      msg_obj: true,
    });

    const { http, body } = await status(orderNo);
    assert.equal(http, 200);
    assert.equal(body.clearance.state, 'released');
    assert.deepEqual(
      body.clearance.timeline.map((e) => `${e.source} ${e.code}`),
      ['notice 1', 'CEB312 2', 'CEB312 120', 'CEB622 800', 'notice 2/0000'],
    );
  });

  it('refuses a wrong, a stale and a missing signature in the caller format, storing nothing', async () => {
    const before = await itemCount();
    const body = receipt(newOrder(), 800, Date.now());
    const wrong = await sendCallback(url(), body, 'application/xml', {
      partner: PARTNER,
      secret: 'not-the-secret-at-all',
    });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /<msg_code>SIGN_INVALID<\/msg_code>/);
    const stale = await sendCallback(url(), body, 'application/xml', {
      ...signer,
      timestamp: Date.now() - 6 * MIN,
    });
    assert.equal(stale.status, 401);
    assert.equal(stale.reply?.msg_code, 'TIMESTAMP_EXPIRED');
    const unknown = await sendCallback(url(), '{"order_id":"x"}', 'application/json', {
      partner: 'stranger',
      secret: SECRET,
    });
    assert.deepEqual(JSON.parse(unknown.text), {
      msg_success: false,
      msg_code: 'SIGN_INVALID',
      msg_info: 'the signature does not match',
      msg_obj: false,
    });
    const unsigned = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(unsigned.status, 401);
    assert.equal(await itemCount(), before);
  });

  it('refuses a replayed request byte for byte, and stores it once', async () => {
    const orderNo = newOrder();
    const body = receipt(orderNo, 120, Date.now());
    const timestamp = Date.now();
    const first = await sendCallback(url(), body, 'application/xml', { ...signer, timestamp });
    const replay = await sendCallback(url(), body, 'application/xml', { ...signer, timestamp });
    assert.equal(first.reply?.msg_code, 'SUCCESS');
    assert.equal(replay.status, 401);
    assert.equal(replay.reply?.msg_code, 'REQUEST_REPLAYED');
    assert.equal((await status(orderNo)).body.clearance.timeline.length, 1);
  });

  it('answers duplicates SUCCESS and records them once', async () => {
    const orderNo = newOrder();
    const notice = JSON.stringify(
      clearanceNotice({ orderNo, status: 2, resultCode: '1001', at: Date.now(), idempotent: 'dup-1' }),
    );
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await sendCallback(url(), notice, 'application/json', signer));
    assert.deepEqual(
      replies.map((r) => r.reply?.msg_code),
      ['SUCCESS', 'SUCCESS', 'SUCCESS'],
    );
    assert.equal(replies[2]?.reply?.msg_info, 'already recorded (a repeated callback)');
    const { body } = await status(orderNo);
    assert.equal(body.clearance.timeline.length, 1);
    assert.equal(body.clearance.state, 'rejected');
  });

  it('keeps an order released when 120 arrives after 800', async () => {
    const orderNo = newOrder();
    const t0 = Date.now() - 30 * MIN;
    for (const [s, at] of [
      [2, t0],
      [800, t0 + 20 * MIN],
      [120, t0 + 2 * MIN],
    ] as const) {
      assert.equal(
        (await sendCallback(url(), receipt(orderNo, s, at), 'application/xml', signer)).reply?.msg_code,
        'SUCCESS',
      );
    }
    const { body } = await status(orderNo);
    assert.equal(body.clearance.state, 'released');
    assert.equal(body.clearance.current?.code, '800');
    assert.deepEqual(
      body.clearance.timeline.map((e) => e.code),
      ['2', '120', '800'],
    );
  });

  it('records an order nobody grabbed, and GET says what it knows (404 only for nothing)', async () => {
    const orderNo = newOrder();
    await sendCallback(url(), receipt(orderNo, 501, Date.now()), 'application/xml', signer);
    const { http, body } = await status(orderNo);
    assert.equal(http, 200);
    assert.equal(body.clearance.state, 'held');
    assert.deepEqual(body.sessions, []);
    assert.equal(body.payment, null);
    assert.equal((await status('NEVER-HEARD-OF')).http, 404);
  });

  it('answers a malformed payload PARAM_NOT_NULL / PARAM_INVALID, and an oversized one 413', async () => {
    const missing = await sendCallback(
      url(),
      '{"order_id":"SO-1","clearance_status":1}',
      'application/json',
      signer,
    );
    assert.equal(missing.status, 400);
    assert.equal(missing.reply?.msg_code, 'PARAM_NOT_NULL');
    assert.match(missing.reply?.msg_info ?? '', /idempotent/);
    const xxe = await sendCallback(
      url(),
      '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
      'application/xml',
      signer,
    );
    assert.equal(xxe.status, 400);
    assert.match(xxe.text, /<msg_code>PARAM_INVALID<\/msg_code>/);
    const big = await sendCallback(url(), `<x>${'a'.repeat(70_000)}</x>`, 'application/xml', signer);
    assert.equal(big.status, 413);
  });
});

describe('the handlers invoked with the SAM-style events in events/', () => {
  it('records each callback fixture (signed anew) and refuses the bad-signature one', async () => {
    const { handler } = await import('#functions/clearance-callback/handler.ts');
    for (const name of CALLBACK_FIXTURES) {
      const result = await handler(resigned(callbackFixture(name)), lambdaContext('clearance-callback'));
      assert.equal(result.statusCode, 200, `${name}: ${result.body}`);
    }
    const bad = await handler(callbackFixture('bad-signature'), lambdaContext('clearance-callback'));
    assert.equal(bad.statusCode, 401);
    assert.equal(JSON.parse(bad.body).msg_code, 'SIGN_INVALID');

    const statusHandler = (await import('#functions/order-status/handler.ts')).handler;
    const fixture = JSON.parse(
      readFileSync(new URL('../../events/order-status/get-order-status.json', import.meta.url), 'utf8'),
    );
    const res = await statusHandler(fixture, lambdaContext('order-status'));
    assert.equal(res.statusCode, 200);
    const body = JSON.parse(res.body) as OrderStatus;
    assert.equal(body.orderNo, FIXTURE_ORDER);
    assert.equal(body.clearance.state, 'released');
    assert.equal(body.clearance.timeline.length, 5);
  });
});

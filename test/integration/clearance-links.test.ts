import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { RETENTION_DAYS } from '#core/settings.ts';
import type { OrderStatus } from '#core/use-cases/order-status.ts';
import {
  ceb312Xml,
  ceb621Xml,
  ceb622Xml,
  DEMO_BUYER,
  sendCallback,
  withDefaultNamespace,
} from '#local/demo-clearance.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { runCli } from '#test/helpers/cli.ts';
import { captureOutput } from '#test/helpers/log-capture.ts';
import { makePayment } from '#test/helpers/payments.ts';
import { scratchDir } from '#test/helpers/scratch-dir.ts';
import { iamFetch } from '#test/helpers/sigv4.ts';

/**
 * Customs' inventory receipts (CEB622: copNo, no orderNo) on the local stack: kept while unlinked,
 * joined to their order when the link comes (a forwarded CEB621, the payment data, or returnInfo),
 * and the buyer's personal data of a CEB621 kept and logged nowhere.
 */
const PARTNER = 'customs-forwarder';
const SECRET = 'customs-forwarder-secret-for-the-tests';
const EBP = '46016602EV';
const MIN = 60_000;

let stack: LocalStack;
let ddb: DynamoDBClient;

before(async () => {
  process.env.CALLBACK_PARTNER_SECRETS = JSON.stringify({
    [PARTNER]: { secret: SECRET, scheme: 'hmac', ebpCodes: [EBP] },
  });
  stack = await startLocalStack({ port: 0, logLevel: 'DEBUG', visibilityTimeoutSeconds: 2 });
  ddb = new DynamoDBClient({});
});
after(async () => {
  ddb?.destroy();
  await stack?.stop();
});

let seq = 0;
const unique = (prefix: string) => `${prefix}${Date.now()}${++seq}`;
const send = (xml: string) =>
  sendCallback(`${stack.apiUrl}/clearance/callback`, xml, 'application/xml', {
    partner: PARTNER,
    secret: SECRET,
  });
const released = (copNo: string, returnInfo = '[Code:2600;Desc:放行]') =>
  // customs' receipt samples use the default namespace
  withDefaultNamespace(
    ceb622Xml({
      guid: unique('GI'),
      ebpCode: EBP,
      customsCode: '2991',
      agentCode: '4601980001',
      copNo,
      preNo: 'B2026',
      invtNo: unique('29912026I'),
      returnStatus: 800,
      at: Date.now() - 5 * MIN,
      returnInfo,
    }),
  );
const status = async (id: string) => {
  const run = await runCli(['status', id, '--json']);
  return run.code === 0 ? (JSON.parse(run.stdout) as OrderStatus) : undefined;
};
const unlinked = async () => (await runCli(['clearance', '--unlinked'])).stdout;

describe('inventory receipts land on their order', () => {
  it('a release posted before the CEB621 that links its copNo leaves the order released once the CEB621 arrives', async () => {
    const orderNo = unique('SO');
    const copNo = unique('NB');
    const early = await send(released(copNo));
    assert.equal(early.reply?.msg_code, 'SUCCESS', early.text);
    assert.equal(await status(orderNo), undefined);
    assert.match(await unlinked(), new RegExp(`copNo ${copNo}: 1 receipt`));

    const capture = captureOutput();
    let linked: Awaited<ReturnType<typeof send>>;
    try {
      linked = await send(
        ceb621Xml({
          guid: unique('G'),
          orderNo,
          copNo,
          logisticsNo: unique('LN'),
          ebpCode: EBP,
          agentCode: 'A',
        }),
      );
    } finally {
      capture.stop();
    }
    assert.equal(linked.reply?.msg_code, 'SUCCESS', linked.text);
    const order = await status(orderNo);
    assert.equal(order?.clearance.state, 'released');
    assert.equal(order?.clearance.current?.refs.copNo, copNo);
    assert.ok(order?.clearance.current?.refs.invtNo);
    // Asked by copNo, or by customs' invtNo, status finds the order.
    assert.equal((await status(copNo))?.orderNo, orderNo);
    assert.equal((await status(order?.clearance.current?.refs.invtNo ?? ''))?.orderNo, orderNo);
    assert.doesNotMatch(await unlinked(), new RegExp(copNo));

    // The buyer's ID number, name, phone and address: in no stored item and in no log line.
    const items = JSON.stringify(
      (await ddb.send(new ScanCommand({ TableName: stack.resources.clearanceTable }))).Items,
    );
    const logs = capture.text();
    assert.match(logs, /clearance callback recorded/);
    for (const personal of Object.values(DEMO_BUYER).slice(1)) {
      assert.ok(!items.includes(personal), `stored: ${personal}`);
      assert.ok(!logs.includes(personal), `logged: ${personal}`);
    }
  });

  it('the same with the link from the payment data (an order’s copNo in the load file)', async () => {
    const payment = makePayment({ ebpCode: EBP }, [unique('SO')]);
    const orderNo = payment.orders[0]?.orderNo ?? '';
    const copNo = unique('NB');
    assert.equal((await send(released(copNo))).reply?.msg_code, 'SUCCESS');
    const withCopNo = { ...payment, orders: payment.orders.map((o) => ({ ...o, copNo })) };
    const file = join(scratchDir('ceb-links-'), 'payments.jsonl');
    writeFileSync(file, `${JSON.stringify(withCopNo)}\n`);
    const load = await runCli(['load', file]);
    assert.equal(load.code, 0, load.stderr);
    assert.equal((await status(orderNo))?.clearance.state, 'released');
    assert.equal((await status(copNo))?.orderNo, orderNo);
  });

  it('the same with the link from POST /payments (the payment intake writes it too)', async () => {
    const payment = makePayment({ ebpCode: EBP, tradingTime: '20260610093000' }, [unique('SO')]);
    const orderNo = payment.orders[0]?.orderNo ?? '';
    const copNo = unique('NB');
    assert.equal((await send(released(copNo))).reply?.msg_code, 'SUCCESS');
    assert.match(await unlinked(), new RegExp(copNo));
    const withCopNo = { ...payment, orders: payment.orders.map((o) => ({ ...o, copNo })) };
    const res = await iamFetch(`${stack.apiUrl}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(withCopNo),
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await status(orderNo))?.clearance.state, 'released');
    assert.equal((await status(copNo))?.orderNo, orderNo);
    assert.doesNotMatch(await unlinked(), new RegExp(copNo));
    // The link is kept as long as the payment: three years after its Beijing tradingTime.
    const link = await ddb.send(
      new GetItemCommand({
        TableName: stack.resources.clearanceTable,
        Key: { pk: { S: `COP#${copNo}` }, sk: { S: 'LINK' } },
      }),
    );
    const paymentExpiry = Date.UTC(2026, 5, 10, 1, 30) / 1000 + RETENTION_DAYS * 86_400;
    assert.equal(link.Item?.source?.S, 'payment');
    assert.equal(Number(link.Item?.expiresAt?.N), paymentExpiry);
    // and a receipt recorded for the order from now on is kept as long as its payment
    const orderReceipt = ceb312Xml({
      guid: unique('G312'),
      ebpCode: EBP,
      orderNo,
      returnStatus: 120,
      at: Date.now() - MIN,
      returnInfo: 'accepted',
    });
    assert.equal((await send(orderReceipt)).reply?.msg_code, 'SUCCESS');
    const events = await ddb.send(
      new QueryCommand({
        TableName: stack.resources.clearanceTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ev)',
        ExpressionAttributeValues: { ':pk': { S: `ORDER#${orderNo}` }, ':ev': { S: 'EVENT#' } },
      }),
    );
    assert.deepEqual(
      events.Items?.map((i) => Number(i.expiresAt?.N)),
      [paymentExpiry],
    );
  });

  it('the same with the order named in returnInfo', async () => {
    const orderNo = unique('SO');
    const copNo = unique('NB');
    const reply = await send(released(copNo, `清单放行[${copNo}][电商企业编码：${EBP}订单编号：${orderNo}]`));
    assert.equal(reply.reply?.msg_code, 'SUCCESS', reply.text);
    assert.equal((await status(orderNo))?.clearance.state, 'released');
  });

  it('refuses, storing nothing, a message for an ebpCode outside the partner’s list', async () => {
    const count = async () =>
      (await ddb.send(new ScanCommand({ TableName: stack.resources.clearanceTable, Select: 'COUNT' }))).Count;
    const before = await count();
    const other = released(unique('NB')).replaceAll(EBP, 'OTHERPLAT01');
    const reply = await send(other);
    assert.equal(reply.status, 403);
    assert.equal(reply.reply?.msg_code, 'EBP_CODE_NOT_ALLOWED');
    assert.equal(await count(), before);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SqsGrabQueue } from '#adapters/sqs/grab-queue.ts';
import { systemClock } from '#core/ports.ts';
import { loadPayments } from '#core/use-cases/load-payments.ts';
import type { OrderStatus } from '#core/use-cases/order-status.ts';
import { clearanceTable, localPartnerSecretsEnv, sendDemoClearance } from '#local/demo-clearance.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { runCli } from '#test/helpers/cli.ts';
import { makePayment } from '#test/helpers/payments.ts';

/**
 * The clearance part of `npm start`, end to end: customs grabs two orders, the worker uploads them,
 * then the demo broker's signed callbacks arrive (one out of order, one repeated), and
 * `ceb-grab status` shows each order's grab and clearance as a user would see them.
 */

let stack: LocalStack;
let ddb: DynamoDBClient;

before(async () => {
  // What the local stack sets for the callback function (the lead wires it into local-stack.ts).
  Object.assign(process.env, localPartnerSecretsEnv());
  stack = await startLocalStack({ port: 0, logLevel: 'SILENT', visibilityTimeoutSeconds: 2 });
  ddb = new DynamoDBClient({});
});
after(async () => {
  ddb?.destroy();
  await stack?.stop();
});

const status = (id: string, json = false) => runCli(['status', id, ...(json ? ['--json'] : [])]);

describe('clearance after the demo grabs', () => {
  it('takes grabbed orders to released, and ceb-grab status shows grab and clearance', async () => {
    const customs = stack.customs;
    assert.ok(customs);
    const payment = makePayment({}, [`DEMO${Date.now()}-1`, `DEMO${Date.now()}-2`]);
    const orderNos = payment.orders.map((o) => o.orderNo);
    const sessions = new DynamoSessionStore(ddb, stack.resources.sessionsTable);
    customs.registerCertificate(payment.ebpCode, stack.signer.certificatePem);
    customs.declarePayment(payment.payTransactionId, orderNos);
    await loadPayments([JSON.stringify(payment)], {
      payments: new DynamoPaymentStore(ddb, stack.resources.paymentsTable),
      sessions,
      queue: new SqsGrabQueue(new SQSClient({}), stack.resources.grabQueueUrl),
      clock: systemClock,
    });
    const grab = await customs.sendGrab(stack.platDataOpenUrl, orderNos[0] ?? '');
    const deadline = Date.now() + 20_000;
    while ((await sessions.get(grab.sessionID))?.state !== 'uploaded' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));

    const result = await sendDemoClearance({ apiUrl: stack.apiUrl, orderNos });
    assert.equal(result.refused, 0);
    assert.equal(result.released, 2);
    const table = clearanceTable(result);
    for (const orderNo of orderNos) assert.match(table, new RegExp(`${orderNo}\\s*│\\s*released`));

    const text = await status(orderNos[0] ?? '');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /session .*: UPLOADED/);
    assert.match(text.stdout, /clearance: RELEASED since .* \(CEB622 800 放行 released/);
    assert.match(text.stdout, /notice 2\/0000 +released/);
    assert.match(text.stdout, /CEB622 800 +released/);
    assert.match(text.stdout, /CEB312 120 +accepted/);

    const bySession = await status(grab.sessionID, true);
    const json = JSON.parse(bySession.stdout) as OrderStatus;
    assert.equal(json.orderNo, orderNos[0]);
    assert.equal(json.sessions[0]?.state, 'uploaded');
    assert.equal(json.clearance.state, 'released');
    assert.equal(json.clearance.timeline.length, 4);
    assert.doesNotMatch(bySession.stdout, /6217850100007893900/);

    // The byOrder index copies no stored upload (that would double what every write costs): asked by
    // order, status still shows what was uploaded, its bank account masked, read from the session.
    const byOrder = await status(orderNos[0] ?? '', true);
    const shown = (JSON.parse(byOrder.stdout) as OrderStatus).sessions.find(
      (s) => s.sessionID === grab.sessionID,
    );
    assert.match(shown?.payExInfoStr ?? '', /"recpAccount"/);
    assert.doesNotMatch(byOrder.stdout, /6217850100007893900/);
    const indexed = await ddb.send(
      new QueryCommand({
        TableName: stack.resources.sessionsTable,
        IndexName: 'byOrder',
        KeyConditionExpression: 'orderNo = :o',
        ExpressionAttributeValues: { ':o': { S: orderNos[0] ?? '' } },
      }),
    );
    assert.equal(indexed.Items?.length, 1);
    assert.equal(indexed.Items?.[0]?.state?.S, 'uploaded');
    assert.equal(indexed.Items?.[0]?.payExInfoStr, undefined);
  });
});

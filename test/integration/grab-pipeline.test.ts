import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SqsGrabQueue } from '#adapters/sqs/grab-queue.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { systemClock } from '#core/ports.ts';
import { parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { isTerminal, type Session } from '#core/session.ts';
import { loadPayments } from '#core/use-cases/load-payments.ts';
import type { CustomsSimulator } from '#doubles/customs-simulator/server.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { postForm } from '#test/helpers/http.ts';
import { makePayment } from '#test/helpers/payments.ts';

/**
 * The grab pipeline end to end on loopback: customs' simulator grabs through the real HTTP API,
 * moto holds the tables and the queue, the worker runs from the queue and uploads to the simulator.
 */
let stack: LocalStack;
let customs: CustomsSimulator;
let ddb: DynamoDBClient;
let sqs: SQSClient;
let sessions: DynamoSessionStore;
let payments: DynamoPaymentStore;

before(async () => {
  stack = await startLocalStack({ port: 0, logLevel: 'SILENT', visibilityTimeoutSeconds: 2 });
  assert.ok(stack.customs);
  customs = stack.customs;
  ddb = new DynamoDBClient({});
  sqs = new SQSClient({});
  sessions = new DynamoSessionStore(ddb, stack.resources.sessionsTable);
  payments = new DynamoPaymentStore(ddb, stack.resources.paymentsTable);
});
after(async () => {
  await stack?.stop();
});

let seq = 0;
function paymentWith(orders: number, ebpCode = '46016602EV'): Payment {
  seq++;
  const orderNos = Array.from({ length: orders }, (_, i) => `IT${Date.now()}${seq}-${i + 1}`);
  return makePayment({ ebpCode, payTransactionId: `42000006812026112200${seq}${Date.now()}` }, orderNos);
}

async function loadAndDeclare(p: Payment, register = true) {
  // Our registry always knows the certificate; customs only when told (else it answers 20004).
  await stack.registerEbpCode(p.ebpCode, { withCustoms: register });
  customs.declarePayment(
    p.payTransactionId,
    p.orders.map((o) => o.orderNo),
  );
  return loadPayments([JSON.stringify(p)], {
    payments,
    sessions,
    queue: new SqsGrabQueue(sqs, stack.resources.grabQueueUrl),
    clock: systemClock,
  });
}

async function settled(sessionID: string, timeoutMs = 20_000): Promise<Session> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sessions.get(sessionID);
    if (s && isTerminal(s.state)) return s;
    if (Date.now() > deadline)
      assert.fail(`session ${sessionID} still ${s?.state ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sessionCount(): Promise<number> {
  const out = await ddb.send(new ScanCommand({ TableName: stack.resources.sessionsTable, Select: 'COUNT' }));
  return out.Count ?? 0;
}

async function queueDepth(): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.resources.grabQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('grab pipeline on the local stack', () => {
  it('uploads every order of a multi-order payment, signed, and records what customs said', async () => {
    const p = paymentWith(3);
    await loadAndDeclare(p);
    const grab = await customs.sendGrab(stack.platDataOpenUrl, p.orders[1]?.orderNo ?? '');
    assert.equal(grab.httpStatus, 200);
    assert.equal((grab.reply as { code: string }).code, '10000');

    const s = await settled(grab.sessionID);
    assert.equal(s.state, 'uploaded');
    assert.equal(s.customsCode, '10000');
    assert.equal(s.customsMessage, '上传成功');
    assert.deepEqual(
      s.orderNos,
      p.orders.map((o) => o.orderNo),
    );
    assert.equal(s.attempts, 1);
    assert.ok((s.latencyMs ?? -1) >= 0);

    const [upload] = customs.uploads(grab.sessionID);
    assert.ok(upload?.accepted);
    // What we recorded is byte for byte what customs received, and it verifies with our certificate.
    assert.equal(upload.payExInfoStr, s.payExInfoStr);
    const parsed = parsePayExInfoStr(s.payExInfoStr ?? '');
    assert.equal(parsed.certNo, s.certNo);
    assert.deepEqual(verifySignature(parsed, parseCertificate(stack.signer.certificatePem)), { ok: true });
    assert.deepEqual(
      (parsed.lists as { orderNo: string }[]).map((o) => o.orderNo),
      p.orders.map((o) => o.orderNo),
    );
  });

  it('answers a malformed grab with a 2000x code and stores and queues nothing', async () => {
    const before = await sessionCount();
    const res = await postForm(stack.platDataOpenUrl, {
      openReq: JSON.stringify({ orderNo: 'X-1', serviceTime: Date.now() }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'application/json; charset=utf-8');
    assert.equal(res.json?.code, '20003');
    assert.match(String(res.json?.message), /sessionID/);
    assert.equal(typeof res.json?.serviceTime, 'number');

    const notJson = await postForm(stack.platDataOpenUrl, { openReq: '{"orderNo":' });
    assert.equal(notJson.json?.code, '20002');
    assert.equal(await sessionCount(), before);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await queueDepth(), 0);
  });

  it('answers 10000 for an unknown order, ends it no-data, and uploads it once the payment is loaded', async () => {
    const p = paymentWith(2);
    const orderNo = p.orders[0]?.orderNo ?? '';
    const grab = await customs.sendGrab(stack.platDataOpenUrl, orderNo);
    assert.equal((grab.reply as { code: string }).code, '10000');

    const waiting = await settled(grab.sessionID);
    assert.equal(waiting.state, 'no-data');
    assert.match(waiting.error ?? '', new RegExp(`no payment data for order ${orderNo}`));
    assert.equal(customs.uploads(grab.sessionID).length, 0);

    const loaded = await loadAndDeclare(p);
    assert.equal(loaded.replayed, 1);
    const deadline = Date.now() + 20_000;
    let s = await sessions.get(grab.sessionID);
    while (s?.state !== 'uploaded' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      s = await sessions.get(grab.sessionID);
    }
    assert.equal(s?.state, 'uploaded');
    assert.equal(customs.session(grab.sessionID)?.status, 'accepted');
    assert.equal(customs.uploads(grab.sessionID).length, 1);
  });

  it('answers a repeated sessionID 10000 and uploads it exactly once', async () => {
    const p = paymentWith(1);
    await loadAndDeclare(p);
    const orderNo = p.orders[0]?.orderNo ?? '';
    const first = await customs.sendGrab(stack.platDataOpenUrl, orderNo);
    const repeats = await Promise.all(
      [1, 2, 3].map(() =>
        customs.sendGrab(stack.platDataOpenUrl, orderNo, { sessionID: first.sessionID, escapeQuotes: true }),
      ),
    );
    for (const r of [first, ...repeats]) assert.equal((r.reply as { code: string }).code, '10000');

    const s = await settled(first.sessionID);
    assert.equal(s.state, 'uploaded');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(customs.uploads(first.sessionID).length, 1);
    assert.equal((await sessions.get(first.sessionID))?.attempts, 1);
  });

  it("LOST-1: a session recorded but never sent is uploaded at once on customs' repeated grab", async () => {
    const p = paymentWith(1);
    await loadAndDeclare(p);
    const orderNo = p.orders[0]?.orderNo ?? '';
    const sessionID = customs.registerSession(orderNo, `LOST-1-${Date.now()}`);
    // The grab request died between its record and its send.
    await sessions.create({ sessionID, orderNo, receivedAt: Date.now() });
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal((await sessions.get(sessionID))?.state, 'received', 'nothing else moves it');

    const again = await customs.sendGrab(stack.platDataOpenUrl, orderNo, { sessionID });
    assert.equal((again.reply as { code: string }).code, '10000');
    const s = await settled(sessionID);
    assert.equal(s.state, 'uploaded');
    assert.equal(customs.session(sessionID)?.status, 'accepted');
  });

  it('LOST-1: the sweep queues a session recorded but never sent, and counts it', async () => {
    const p = paymentWith(1);
    await loadAndDeclare(p);
    const orderNo = p.orders[0]?.orderNo ?? '';
    const sessionID = customs.registerSession(orderNo, `LOST-2-${Date.now()}`);
    // Recorded a minute ago by a grab request that died before its send; customs never asks again.
    await sessions.create({ sessionID, orderNo, receivedAt: Date.now() - 60_000 });
    const swept = await stack.sweep();
    assert.ok(swept.requeued.includes(sessionID), `swept ${swept.requeued.join(', ')}`);
    const s = await settled(sessionID);
    assert.equal(s.state, 'uploaded');
    assert.equal(customs.uploads(sessionID).length, 1);
    assert.equal((await stack.sweep()).requeued.includes(sessionID), false, 'swept once');
  });

  it('the sweep records failed for a dead-lettered grab with no outcome, and leaves the message for redrive', async () => {
    const sessionID = `DEAD-1-${Date.now()}`;
    await sessions.create({ sessionID, orderNo: 'SO-DEAD-1', receivedAt: Date.now() });
    await sessions.markQueued(sessionID, Date.now(), ['received']);
    // as SQS's redrive would leave it after the last receive of a worker that never started
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.resources.grabDlqUrl,
        MessageBody: JSON.stringify({ sessionID, orderNo: 'SO-DEAD-1', receivedAt: Date.now() }),
      }),
    );
    await stack.sweep();
    const s = await sessions.get(sessionID);
    assert.equal(s?.state, 'failed');
    assert.match(s?.error ?? '', /^dead-lettered after \d+ receives: the worker recorded nothing/);
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.resources.grabDlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const left =
      Number(dlq.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(dlq.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    assert.ok(left >= 1, 'the dead letter stays for ceb-grab redrive');
  });

  it("records customs' 20004 when the certificate is not registered for the ebpCode, without retrying", async () => {
    const p = paymentWith(1, 'UNREGISTERED01');
    await loadAndDeclare(p, false);
    const grab = await customs.sendGrab(stack.platDataOpenUrl, p.orders[0]?.orderNo ?? '');
    const s = await settled(grab.sessionID);
    assert.equal(s.state, 'rejected');
    assert.equal(s.customsCode, '20004');
    assert.match(s.customsMessage ?? '', /未在服务系统注册/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(customs.uploads(grab.sessionID).length, 1);
    assert.equal(s.attempts, 1);
  });

  it('takes a grab sent as a raw JSON body with serviceTime as a string', async () => {
    const p = paymentWith(1);
    await loadAndDeclare(p);
    const sessionID = customs.registerSession(p.orders[0]?.orderNo ?? '');
    const res = await postForm(
      stack.platDataOpenUrl,
      JSON.stringify({ orderNo: p.orders[0]?.orderNo, sessionID, serviceTime: String(Date.now()) }),
      'application/json',
    );
    assert.equal(res.json?.code, '10000');
    assert.equal((await settled(sessionID)).state, 'uploaded');
  });
});

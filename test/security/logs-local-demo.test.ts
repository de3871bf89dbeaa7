import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { maskValue } from '#core/redact.ts';
import type { LocalStack } from '#local/local-stack.ts';
import { samplePayments } from '#local/sample-payments.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import {
  type Capture,
  captureOutput,
  leaks,
  privateKeyForms,
  runCaptured,
} from '#test/helpers/log-capture.ts';
import { makePayment } from '#test/helpers/payments.ts';

/**
 * Everything the local product prints while the full demo runs with a soft signer (every function's
 * logs at DEBUG, metrics, the demo's tables), plus its error paths (bad, stale, replayed and unsigned
 * callbacks; a malformed grab; customs refusing a certificate; a signer with no registered key), and
 * what `ceb-grab status` shows: never the private key, the partner's HMAC secret, or a bank account
 * in full. (The callback refusing bad, stale and replayed signatures is asserted in
 * test/integration/clearance-callback.test.ts; here only what they leave in the logs.)
 */
const BIN = fileURLToPath(new URL('../../bin/ceb-grab.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-security-'));
const material = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
const PARTNER_SECRET = randomBytes(32).toString('hex');
/** A payment of our own beside the samples: its account must not leak either. */
const extra = makePayment({ payTransactionId: `SEC-${Date.now()}`, ebpCode: 'SEC0000001' }, [
  `SEC-${Date.now()}-1`,
]);
const unregistered = makePayment({ payTransactionId: `SECU-${Date.now()}`, ebpCode: 'SEC0000002' }, [
  `SECU-${Date.now()}-1`,
]);

let stack: LocalStack;
let capture: Capture;
let orderNos: readonly string[] = [];
const statusOutputs: string[] = [];

const accounts = [
  ...new Set([...samplePayments(), extra, unregistered].flatMap((p) => p.orders.map((o) => o.recpAccount))),
];

before(async () => {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  writeFileSync(key, material.privateKeyPem, { mode: 0o600 });
  writeFileSync(cert, material.certificatePem);
  Object.assign(process.env, {
    SIGNER_KIND: 'soft',
    SOFT_SIGNER_KEY: key,
    SOFT_SIGNER_CERT: cert,
    CALLBACK_PARTNER_SECRETS: JSON.stringify({ 'demo-broker': PARTNER_SECRET }),
  });
  capture = captureOutput();
  const { startLocalStack } = await import('#local/local-stack.ts');
  stack = await startLocalStack({ port: 0, logLevel: 'DEBUG', visibilityTimeoutSeconds: 2 });
});
after(async () => {
  await stack?.stop();
  capture?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('what the local product logs and shows', () => {
  it('runs the demo and its error paths with every log at DEBUG', async () => {
    const { logger } = await import('#adapters/observability.ts');
    assert.equal(logger.getLevelName(), 'DEBUG', 'the functions log everything they can');
    assert.equal(
      stack.signer.certificatePem,
      material.certificatePem,
      'the worker signs with the key we look for',
    );
    assert.ok(stack.customs);

    // The demo: 20 grabs of the sample payments, uploaded, then the broker's clearance callbacks.
    const { loadSamplePayments } = await import('#local/demo-data.ts');
    const { runDemo } = await import('#local/demo.ts');
    const { sendDemoClearance, clearanceTable, sendCallback } = await import('#local/demo-clearance.ts');
    const loaded = await loadSamplePayments();
    orderNos = loaded.orderNos;
    const result = await runDemo({
      customs: stack.customs,
      platDataOpenUrl: stack.platDataOpenUrl,
      sessions: loaded.sessions,
      payments: loaded.payments,
      orderNos,
      certificatePem: stack.signer.certificatePem,
      timeoutMs: 60_000,
      out: process.stdout,
    });
    assert.equal(result.accepted, 20);
    const clearance = await sendDemoClearance({ apiUrl: stack.apiUrl, orderNos });
    assert.equal(clearance.released, orderNos.length);
    process.stdout.write(`${clearanceTable(clearance)}\n`);

    // Error paths: callbacks with a wrong secret, stale, replayed and unsigned.
    const url = `${stack.apiUrl}/clearance/callback`;
    const body = JSON.stringify({ order_id: orderNos[0], clearance_status: 1, idempotent: 'sec-1' });
    const wrong = await sendCallback(url, body, 'application/json', {
      partner: 'demo-broker',
      secret: `${PARTNER_SECRET}x`,
    });
    const stale = await sendCallback(url, body, 'application/json', {
      partner: 'demo-broker',
      secret: PARTNER_SECRET,
      timestamp: Date.now() - 3_600_000,
    });
    const timestamp = Date.now();
    await sendCallback(url, body, 'application/json', {
      partner: 'demo-broker',
      secret: PARTNER_SECRET,
      timestamp,
    });
    const replay = await sendCallback(url, body, 'application/json', {
      partner: 'demo-broker',
      secret: PARTNER_SECRET,
      timestamp,
    });
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.deepEqual(
      [wrong.reply?.msg_code, stale.reply?.msg_code, replay.reply?.msg_code, unsigned.status],
      ['SIGN_INVALID', 'TIMESTAMP_EXPIRED', 'REQUEST_REPLAYED', 401],
    );

    // A grab customs' own side got wrong.
    const malformed = await fetch(stack.platDataOpenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `openReq=${encodeURIComponent(JSON.stringify({ orderNo: extra.orders[0]?.orderNo, recpAccount: extra.orders[0]?.recpAccount }))}`,
    });
    assert.equal(((await malformed.json()) as { code: string }).code, '20003');

    // Customs refuses our certificate (20004) for one ebpCode; another has no key in our registry at all.
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    const { DynamoPaymentStore } = await import('#adapters/dynamodb/payment-store.ts');
    const { DynamoSessionStore } = await import('#adapters/dynamodb/session-store.ts');
    const { SqsGrabQueue } = await import('#adapters/sqs/grab-queue.ts');
    const { loadPayments } = await import('#core/use-cases/load-payments.ts');
    const ddb = new DynamoDBClient({});
    const sessions = new DynamoSessionStore(ddb, stack.resources.sessionsTable);
    await stack.registerEbpCode(extra.ebpCode, { withCustoms: false });
    const loadedExtra = await loadPayments(
      [JSON.stringify(extra), JSON.stringify(unregistered), JSON.stringify({ ...extra, recpAccount: 'x' })],
      {
        payments: new DynamoPaymentStore(ddb, stack.resources.paymentsTable),
        sessions,
        queue: new SqsGrabQueue(new SQSClient({}), stack.resources.grabQueueUrl),
        clock: { now: () => Date.now() },
      },
    );
    assert.deepEqual([loadedExtra.created, loadedExtra.rejected], [2, 1]);
    for (const p of [extra, unregistered])
      stack.customs.declarePayment(
        p.payTransactionId,
        p.orders.map((o) => o.orderNo),
      );
    const grabs = await Promise.all(
      [extra, unregistered].map((p) =>
        stack.customs?.sendGrab(stack.platDataOpenUrl, p.orders[0]?.orderNo ?? ''),
      ),
    );
    const ends: string[] = [];
    for (const grab of grabs) {
      const deadline = Date.now() + 30_000;
      let state = '';
      while (Date.now() < deadline) {
        state = (await sessions.get(grab?.sessionID ?? ''))?.state ?? '';
        if (['rejected', 'failed', 'uploaded'].includes(state)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      ends.push(state);
    }
    assert.deepEqual(ends, ['rejected', 'failed']);
    ddb.destroy();

    // What an operator looks at: `ceb-grab status`, as text and as JSON, for orders with sessions.
    for (const args of [
      ['status', orderNos[0] ?? ''],
      ['status', '--json', orderNos[0] ?? ''],
      ['status', '--json', extra.orders[0]?.orderNo ?? ''],
      ['status', grabs[1]?.sessionID ?? ''],
    ]) {
      const out = await runCaptured(process.execPath, [BIN, ...args], { env: { ...process.env } });
      assert.equal(out.code, 0, out.output);
      statusOutputs.push(out.output);
    }
  });

  it('never logs or prints the private key, the partner secret or an account number in full', () => {
    const logs = capture.text();
    // The capture holds what the functions said: the checks below can fail.
    for (const line of [
      'grab accepted',
      'grab processed',
      'clearance callback recorded',
      'clearance callback refused',
      'malformed grab refused',
    ]) {
      assert.ok(logs.includes(line), `nothing like "${line}" was captured`);
    }
    assert.ok(logs.includes('"level":"DEBUG"') || logs.includes('"level":"INFO"'));

    // Sanity: no account is also part of what logs may name (order, payment and company numbers).
    const named = [...samplePayments(), extra, unregistered].flatMap((p) => [
      p.payTransactionId,
      p.payCode,
      p.ebpCode,
      ...p.orders.map((o) => o.orderNo),
    ]);
    for (const a of accounts)
      assert.ok(!named.some((n) => n.includes(a)), `account ${a} is inside a number logs may name`);
    const secrets = {
      'private key': privateKeyForms(material.privateKeyPem),
      'partner secret': [PARTNER_SECRET],
      recpAccount: accounts,
    };
    assert.deepEqual(leaks(logs, secrets), [], 'in the logs and the demo output');
    for (const out of statusOutputs)
      assert.deepEqual(leaks(out, secrets), [], `in \`ceb-grab status\`: ${out.slice(0, 300)}`);
  });

  it('shows accounts masked to their last four in the status an operator reads', () => {
    const json = JSON.parse(statusOutputs[1] ?? '{}') as { sessions?: { payExInfoStr?: string }[] };
    const upload = json.sessions?.[0]?.payExInfoStr ?? '';
    assert.ok(upload.includes('"recpAccount"'), 'the stored upload is shown');
    const payment = samplePayments().find((p) => p.orders.some((o) => o.orderNo === orderNos[0]));
    assert.ok(payment);
    for (const o of payment.orders) {
      assert.ok(upload.includes(`"recpAccount":"${maskValue(o.recpAccount)}"`), `${o.orderNo} not masked`);
      assert.ok(!upload.includes(o.recpAccount), `${o.orderNo}: the account in full`);
      assert.ok(maskValue(o.recpAccount).endsWith(o.recpAccount.slice(-4)));
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { runCli } from '#test/helpers/cli.ts';
import { makePayment } from '#test/helpers/payments.ts';
import { iamFetch } from '#test/helpers/sigv4.ts';

/**
 * `ceb-grab grab`, and `npm run invoke` on every callback fixture in events/, against a running local stack found through
 * its stack file: each is signed at the time of the call with the stack's own partner secret, so each
 * is recorded, although the fixtures carry a signature of long ago.
 */
const EVENTS = join(import.meta.dirname, '..', '..', 'events', 'clearance-callback');
let stack: LocalStack;
let cwd: string;

before(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'ceb-grab-invoke-'));
  stack = await startLocalStack({
    port: 0,
    logLevel: 'SILENT',
    writeStackFile: join(cwd, '.ceb-grab', 'local.json'),
  });
});
after(async () => {
  await stack?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

/** The environment of another terminal: nothing names a stack, so the CLI reads the stack file. */
function otherTerminal(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['SESSIONS_TABLE', 'PAYMENTS_TABLE', 'GRAB_QUEUE_URL', 'CALLBACK_PARTNER_SECRETS'])
    delete env[k];
  return env;
}

describe('ceb-grab grab', () => {
  it("asks the simulator to send customs' grab; with the payment stored, the session ends uploaded", async () => {
    const orderNo = `GRAB${Date.now()}`;
    const payment = makePayment({ payTransactionId: `4200000681202612050${Date.now()}` }, [orderNo]);
    stack.customs?.declarePayment(payment.payTransactionId, [orderNo]);
    const post = await iamFetch(`${stack.apiUrl}/payments`, {
      method: 'POST',
      body: JSON.stringify(payment),
    });
    assert.equal(post.status, 200);
    const run = await runCli(['grab', orderNo, '--json'], otherTerminal(), undefined, { cwd });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const out = JSON.parse(run.stdout) as { sessionID: string; state: string };
    assert.equal(out.state, 'uploaded');
    const upload = stack.customs?.uploads(out.sessionID)[0];
    assert.equal(upload?.accepted, true);

    // status --reveal prints the upload byte for byte, and verify accepts it; the masked view says so.
    const revealed = await runCli(['status', out.sessionID, '--reveal'], otherTerminal(), undefined, { cwd });
    assert.equal(revealed.code, 0, revealed.stderr);
    assert.equal(revealed.stdout, upload?.payExInfoStr);
    const certFile = join(cwd, 'card.cert.pem');
    writeFileSync(certFile, stack.signer.certificatePem);
    const verified = await runCli(
      ['verify', '--pay-ex-info-str', '-', '--cert', certFile],
      otherTerminal(),
      revealed.stdout,
      { cwd },
    );
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const masked = await runCli(['status', out.sessionID, '--json'], otherTerminal(), undefined, { cwd });
    const view = JSON.parse(masked.stdout) as { masked?: string; sessions: { payExInfoStr?: string }[] };
    assert.match(view.masked ?? '', /recpAccount is masked/);
    assert.notEqual(view.sessions[0]?.payExInfoStr, upload?.payExInfoStr);
  });
});

describe('a grab sent by hand', () => {
  it('is refused by customs for its unissued sessionID, and status says why and what to use', async () => {
    const orderNo = `HAND${Date.now()}`;
    const payment = makePayment({ payTransactionId: `4200000681202612051${Date.now()}` }, [orderNo]);
    stack.customs?.declarePayment(payment.payTransactionId, [orderNo]);
    await iamFetch(`${stack.apiUrl}/payments`, { method: 'POST', body: JSON.stringify(payment) });
    const sessionID = `hand-made-${Date.now()}`;
    const openReq = JSON.stringify({ orderNo, sessionID, serviceTime: Date.now() });
    const grab = await fetch(stack.platDataOpenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `openReq=${encodeURIComponent(openReq)}`,
    });
    assert.equal(((await grab.json()) as { code: string }).code, '10000');
    const deadline = Date.now() + 20_000;
    let state: string | undefined;
    while (state !== 'rejected' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const status = (await (await iamFetch(`${stack.apiUrl}/orders/${orderNo}/status`)).json()) as {
        sessions?: { state: string }[];
      };
      state = status.sessions?.[0]?.state;
    }
    assert.equal(state, 'rejected');
    const run = await runCli(['status', sessionID], otherTerminal(), undefined, { cwd });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /customs did not issue this sessionID.*ceb-grab grab/);
  });
});

describe('npm run invoke on the clearance-callback fixtures', () => {
  for (const name of readdirSync(EVENTS).filter((f) => f.endsWith('.json'))) {
    it(`${name} is signed now and recorded`, async () => {
      const run = await runCli(
        ['invoke', 'clearance-callback', join(EVENTS, name)],
        otherTerminal(),
        undefined,
        {
          cwd,
        },
      );
      assert.equal(run.code, 0, run.stderr);
      const reply = JSON.parse(run.stdout) as { statusCode: number; body: string };
      assert.equal(reply.statusCode, 200, reply.body);
    });
  }

  it('--as-is sends the fixture as it is: refused, its signature long stale', async () => {
    const run = await runCli(
      ['invoke', 'clearance-callback', join(EVENTS, 'tmall-notice-json.json'), '--as-is'],
      otherTerminal(),
      undefined,
      { cwd },
    );
    assert.equal(run.code, 0, run.stderr);
    const reply = JSON.parse(run.stdout) as { statusCode: number; body: string };
    assert.notEqual(reply.statusCode, 200);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type CardServiceDouble, startCardServiceDouble } from '#doubles/card-service-double/server.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { cardBackend } from '#signer-proxy/card-backend.ts';
import { quietProxyLog } from '#signer-proxy/log.ts';
import { type SignerProxy, startSignerProxy } from '#signer-proxy/server.ts';
import { runCli } from '#test/helpers/cli.ts';
import { grabSampleOrders } from '#test/helpers/held-grabs.ts';

/**
 * A wrong PIN at `ceb-grab signer --card`, in front of the card service double (which locks after
 * 3 wrong PINs), with the whole local stack: the card sees the wrong PIN once, grabs wait in
 * `retrying` as SIGNER_SUSPECT_PIN, and once the operator restarts the signer with the right PIN
 * and runs `ceb-grab signer-reset`, they are uploaded.
 */
const PIN = '88888888';
const TOKEN = 'pin-guard-test-token-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-pin-'));
let card: CardServiceDouble | undefined;
let proxy: SignerProxy | undefined;
let stack: LocalStack | undefined;
after(async () => {
  await stack?.stop();
  await proxy?.close();
  await card?.close();
  rmSync(dir, { recursive: true, force: true });
});

const signerOn = (port: number, pin: string) =>
  startSignerProxy({
    backend: cardBackend({
      url: card?.url ?? '',
      pin,
      keyId: 'ukey-1',
      timeoutMs: 2_000,
      log: quietProxyLog,
    }),
    token: TOKEN,
    port,
    log: quietProxyLog,
  });

it('a wrong PIN is presented once per operator action, the card never locks, and the held grabs are uploaded after the fix', async () => {
  card = await startCardServiceDouble({ pin: PIN, lockAfter: 3 });
  proxy = await signerOn(0, '11111111');
  const certFile = join(dir, 'card.cert.pem');
  writeFileSync(certFile, card.certificate.certificatePem);
  Object.assign(process.env, {
    SIGNER_KIND: 'hsm-proxy',
    HSM_PROXY_PROTOCOL: 'ceb-grab',
    HSM_PROXY_URL: proxy.url,
    HSM_PROXY_TOKEN: TOKEN,
    HSM_PROXY_KEY_ID: 'ukey-1',
    HSM_PROXY_CERT: certFile,
    // Long: here only the operator lets the card be presented again.
    HSM_PROXY_PIN_COOLDOWN_MS: '600000',
  });
  // Many deliveries, so the grabs still wait when the operator comes (else they end `failed` and are replayed).
  stack = await startLocalStack({
    port: 0,
    logLevel: 'SILENT',
    visibilityTimeoutSeconds: 1,
    maxReceives: 100,
  });
  const grabs = await grabSampleOrders(stack, 4);

  const held = await grabs.waitFor(
    (s) => s.state === 'retrying' && /SIGNER_SUSPECT_PIN/.test(s.error ?? ''),
    60_000,
  );
  assert.ok(
    held.every((s) => s.state === 'retrying' && /^SIGNER_SUSPECT_PIN: /.test(s.error ?? '')),
    JSON.stringify(held.map((s) => [s.state, s.error])),
  );
  // Several redeliveries later, the card has still seen the wrong PIN once.
  await delay(4_000);
  const again = await grabs.read();
  assert.ok(
    again.some((s) => s.attempts >= 3),
    `redelivered: ${again.map((s) => s.attempts)}`,
  );
  assert.deepEqual([card.counts().wrongPins, card.counts().locked], [1, false]);

  // The operator restarts the signer with the right PIN, on the same address, and resets.
  const port = proxy.port;
  await proxy.close();
  proxy = await signerOn(port, PIN);
  const reset = await runCli(['signer-reset'], {
    ...process.env,
    CERTIFICATES_TABLE: stack.resources.certificatesTable,
  });
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, new RegExp(`${process.env.HSM_PROXY_URL}: held since .*presents the card once`));

  const done = await grabs.waitFor((s) => s.state === 'uploaded', 60_000);
  assert.ok(
    done.every((s) => s.state === 'uploaded'),
    JSON.stringify(done.map((s) => [s.state, s.error])),
  );
  assert.deepEqual([card.counts().wrongPins, card.counts().locked], [1, false]);
  const nothing = await runCli(['signer-reset'], {
    ...process.env,
    CERTIFICATES_TABLE: stack.resources.certificatesTable,
  });
  assert.match(nothing.stdout, /no signer is holding its card/);
});

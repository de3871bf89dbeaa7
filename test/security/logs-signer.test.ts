import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { logger } from '#adapters/observability.ts';
import type { HsmProxyProtocol } from '#adapters/signers/hsm-proxy-protocol.ts';
import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { SignerRejectedError, SignerSuspectPinError } from '#core/errors.ts';
import type { SigningKey } from '#core/ports.ts';
import { type CardServiceDouble, startCardServiceDouble } from '#doubles/card-service-double/server.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { cardBackend } from '#signer-proxy/card-backend.ts';
import { defaultProxyLog } from '#signer-proxy/log.ts';
import { type SignerProxy, startSignerProxy } from '#signer-proxy/server.ts';
import { type Capture, captureOutput, leaks, privateKeyForms } from '#test/helpers/log-capture.ts';

/**
 * The signing side, with a card behind a PIN: the proxy in-process (its logs through Powertools)
 * and as `ceb-grab signer` in its own process (banner and logs at DEBUG), the worker's client with
 * the right token and a wrong one, a wrong PIN, a software key. Nothing any of them prints, and no
 * error a caller gets, may hold the PIN, the token (right or wrong) or a private key.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PIN = `pin-${randomBytes(6).toString('hex')}`;
const WRONG_PIN = `pin-${randomBytes(6).toString('hex')}`;
const TOKEN = `tok-${randomBytes(16).toString('hex')}`;
const WRONG_TOKEN = `tok-${randomBytes(16).toString('hex')}`;
const soft = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });
const SOURCE =
  '"sessionID":"S-SEC"||"payExchangeInfoHead":"{"guid":"G"}"||"payExchangeInfoLists":"[]"||"serviceTime":"1"';
const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-signer-sec-'));

let card: CardServiceDouble;
let capture: Capture;
const closers: (() => Promise<unknown>)[] = [];
/** What callers were told: error messages and the health page. */
const told: string[] = [];
let childOutput = '';

const keyOf = (certificatePem: string, keyId: string): SigningKey => ({
  ebpCode: '46016602EV',
  signer: 'hsm-proxy',
  keyId,
  certificate: parseCertificate(certificatePem),
});
const client = (url: string, protocol: HsmProxyProtocol, token: string) =>
  new HsmProxySigner({ url, protocol, token: async () => token, tries: 2, retryMinMs: 5 });

/** `ceb-grab signer` as an operator runs it; resolves with its URL once it listens. */
async function cliSigner(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/ceb-grab.ts', 'signer', '--port', '0', ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the signer did not start: ${out}`)), 30_000);
    const read = (b: Buffer) => {
      out += b.toString();
      childOutput += b.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', () => reject(new Error(`the signer exited: ${out}`)));
  });
  closers.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
  });
  return { child, url };
}

before(async () => {
  logger.setLogLevel('DEBUG');
  capture = captureOutput();
  card = await startCardServiceDouble({ pin: PIN });
  closers.push(() => card.close());
  writeFileSync(join(dir, 'pin'), PIN, { mode: 0o600 });
  writeFileSync(join(dir, 'token'), TOKEN, { mode: 0o600 });
  writeFileSync(join(dir, 'key.pem'), soft.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'cert.pem'), soft.certificatePem);
});
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  capture?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function exercise(url: string, key: SigningKey, certificatePem: string): Promise<void> {
  for (const protocol of ['ceb-grab', 'chinaport-data-signature'] as const) {
    const signed = await client(url, protocol, TOKEN).sign(SOURCE, key);
    assert.deepEqual(verifySignature({ signSource: SOURCE, ...signed }, parseCertificate(certificatePem)), {
      ok: true,
    });
    const refused = await client(url, protocol, WRONG_TOKEN)
      .sign(SOURCE, key)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(refused instanceof SignerRejectedError, `${protocol} with a wrong token: ${String(refused)}`);
    told.push(refused.message);
    if (protocol !== 'ceb-grab') continue; // chinaport's download is not the signing certificate: never asked
    const described = await client(url, protocol, WRONG_TOKEN)
      .describeKey(key.keyId)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(described instanceof SignerRejectedError);
    told.push(described.message);
  }
  const health = await fetch(`${url}/health`);
  told.push(await health.text());
}

describe('secrets on the signing side', () => {
  it('the proxy in front of the card: signs with the PIN, refuses wrong tokens', async () => {
    const proxy: SignerProxy = await startSignerProxy({
      backend: cardBackend({
        url: card.url,
        pin: PIN,
        keyId: 'ukey-1',
        timeoutMs: 2_000,
        log: defaultProxyLog,
      }),
      token: TOKEN,
      log: defaultProxyLog,
    });
    closers.push(() => proxy.close());
    await exercise(
      proxy.url,
      keyOf(card.certificate.certificatePem, 'ukey-1'),
      card.certificate.certificatePem,
    );
  });

  it('a wrong PIN waits as SIGNER_SUSPECT_PIN, and is sent to the card once', async () => {
    const proxy = await startSignerProxy({
      backend: cardBackend({
        url: card.url,
        pin: WRONG_PIN,
        keyId: 'ukey-1',
        timeoutMs: 2_000,
        log: defaultProxyLog,
      }),
      token: TOKEN,
      log: defaultProxyLog,
    });
    closers.push(() => proxy.close());
    const before = card.counts().wrongPins;
    for (const protocol of ['ceb-grab', 'chinaport-data-signature', 'ceb-grab'] as const) {
      const e = await client(proxy.url, protocol, TOKEN)
        .sign(SOURCE, keyOf(card.certificate.certificatePem, 'ukey-1'))
        .then(
          () => undefined,
          (x: unknown) => x,
        );
      assert.ok(e instanceof SignerSuspectPinError, String(e));
      told.push(e.message);
    }
    assert.equal(card.counts().wrongPins - before, 1);
    told.push(await (await fetch(`${proxy.url}/health`)).text());
  });

  it('`ceb-grab signer --card --pin-file` and `--key --token-file`, in their own processes', async () => {
    const cardCli = await cliSigner(
      ['--card', card.url, '--pin-file', join(dir, 'pin'), '--key-id', 'ukey-1'],
      { SIGNER_TOKEN: TOKEN },
    );
    await exercise(
      cardCli.url,
      keyOf(card.certificate.certificatePem, 'ukey-1'),
      card.certificate.certificatePem,
    );
    const wrongPin = await cliSigner(['--card', card.url, '--key-id', 'ukey-1'], {
      SIGNER_TOKEN: TOKEN,
      CARD_PIN: WRONG_PIN,
    });
    const e = await client(wrongPin.url, 'ceb-grab', TOKEN)
      .sign(SOURCE, keyOf(card.certificate.certificatePem, 'ukey-1'))
      .then(
        () => undefined,
        (x: unknown) => x,
      );
    assert.ok(e instanceof SignerSuspectPinError, String(e));
    told.push(e.message);
    const softCli = await cliSigner(
      ['--key', join(dir, 'key.pem'), '--cert', join(dir, 'cert.pem'), '--token-file', join(dir, 'token')],
      {},
    );
    await exercise(softCli.url, keyOf(soft.certificatePem, 'default'), soft.certificatePem);
    for (const close of closers.splice(-3).reverse()) await close();
    assert.match(childOutput, /listening on/);
  });

  it('nothing printed or told holds the PIN, a token or a private key', () => {
    const logs = capture.text();
    // What was captured is the product talking: the checks below can fail.
    assert.match(logs, /refused/);
    assert.match(childOutput, /"level":"(DEBUG|INFO|WARN)"/);
    const secrets = {
      PIN: [PIN],
      'wrong PIN': [WRONG_PIN],
      token: [TOKEN],
      'wrong token': [WRONG_TOKEN],
      'card key': privateKeyForms(card.certificate.privateKeyPem),
      'software key': privateKeyForms(soft.privateKeyPem),
    };
    assert.deepEqual(leaks(logs, secrets), [], 'in the logs of this process');
    assert.deepEqual(leaks(childOutput, secrets), [], 'in what `ceb-grab signer` printed');
    assert.deepEqual(leaks(told.join('\n'), secrets), [], 'in errors and health pages');
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { keyFor, SIGN_SOURCE, TOKEN } from './signer-proxy-fixtures.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-signer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { SIGNER_TOKEN: _ignored, ...rest } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/ceb-grab.ts', 'signer', ...args], {
    cwd: ROOT,
    env: { ...rest, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => {
    out.stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out.stderr += b.toString();
  });
  return { child, out, exited: once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]> };
}

describe('ceb-grab signer (its own process)', () => {
  const material = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const tokenFile = join(dir, 'token');
  writeFileSync(keyFile, material.privateKeyPem);
  writeFileSync(certFile, material.certificatePem);
  writeFileSync(tokenFile, `${TOKEN}\n`);

  it('starts, serves /health and signatures, and stops cleanly on SIGTERM', async () => {
    const { child, out, exited } = run([
      '--port',
      '0',
      '--key',
      keyFile,
      '--cert',
      certFile,
      '--token-file',
      tokenFile,
    ]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL in 15 s; stderr: ${out.stderr}`)), 15_000);
        child.stdout.on('data', () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout);
          if (m?.[1] && out.stdout.includes('Ctrl-C')) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      assert.match(out.stdout, new RegExp(`certificate ${material.certNo} \\(SM3withSM2\\)`));
      assert.doesNotMatch(out.stdout + out.stderr, new RegExp(TOKEN));

      const health = await fetch(`${url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { certNo: string }).certNo, material.certNo);
      // Without the token: up or not, nothing about the key.
      const anonymous = await fetch(`${url}/health`);
      assert.deepEqual(await anonymous.json(), { status: 'ok' });

      const signer = new HsmProxySigner({
        url,
        protocol: 'chinaport-data-signature',
        token: async () => TOKEN,
      });
      const key = keyFor(material);
      const result = await signer.sign(SIGN_SOURCE, key);
      assert.deepEqual(verifySignature({ signSource: SIGN_SOURCE, ...result }, key.certificate), {
        ok: true,
      });
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    assert.equal(code, 0, out.stderr);
    assert.match(out.stdout, /SIGTERM: closing the signer/);
  });

  it('refuses to start without a token', async () => {
    const { out, exited } = run(['--port', '0', '--key', keyFile, '--cert', certFile]);
    const [code] = await exited;
    assert.equal(code, 2);
    assert.match(out.stderr, /no token \(--token-file or SIGNER_TOKEN\)/);
    assert.doesNotMatch(out.stdout, /listening/);
  });
});

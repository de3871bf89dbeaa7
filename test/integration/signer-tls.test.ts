import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { runCli } from '#test/helpers/cli.ts';

/**
 * `ceb-grab signer` as an operator runs it off the worker's machine: HTTPS with the operator's
 * certificate, a token long enough, the card service on loopback only; and the worker (the whole
 * local stack, `ceb-grab local --once`) signing through it, trusting that certificate.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-signer-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'tls-test-token-00112233445566778899aabbccdd';
const card = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '011f03d1' });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const keyFile = file('card.key.pem', card.privateKeyPem);
const certFile = file('card.cert.pem', card.certificatePem);
const tokenFile = file('token', TOKEN);
const tlsKey = join(dir, 'tls.key');
const tlsCert = join(dir, 'tls.crt');
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    tlsKey,
    '-out',
    tlsCert,
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-days',
    '2',
  ],
  { stdio: 'ignore' },
);

/** GET with the token, trusting the operator's TLS certificate (and nothing else). */
function getJson(url: string): Promise<{ status?: string; certNo?: string; stats?: { signatures: number } }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      url,
      { ca: readFileSync(tlsCert), headers: { authorization: `Bearer ${TOKEN}` } },
      (res) => {
        let body = '';
        res.on('data', (b: Buffer) => {
          body += b.toString();
        });
        res.on('end', () => resolve(JSON.parse(body)));
      },
    );
    req.on('error', reject);
  });
}

function signer(args: string[]) {
  const { SIGNER_TOKEN: _t, CARD_PIN: _p, ...rest } = process.env;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/ceb-grab.ts', 'signer', '--port', '0', ...args],
    {
      cwd: ROOT,
      env: { ...rest, POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (b: Buffer) => {
    out.stdout += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out.stderr += b.toString();
  });
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL in 20 s; stderr: ${out.stderr}`)), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before listening; stderr: ${out.stderr}`));
    });
    child.stdout.on('data', () => {
      const m = /listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout);
      if (m?.[1] && out.stdout.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  url.catch(() => undefined); // a signer meant to refuse never listens
  return { child, out, url, exited: once(child, 'exit') as Promise<[number | null, unknown]> };
}

describe('ceb-grab signer as a service', () => {
  it('serves HTTPS with the given certificate, and the worker signs every upload through it', async () => {
    const s = signer([
      '--key',
      keyFile,
      '--cert',
      certFile,
      '--token-file',
      tokenFile,
      '--tls-cert',
      tlsCert,
      '--tls-key',
      tlsKey,
    ]);
    try {
      const url = await s.url;
      assert.match(url, /^https:\/\//);
      // Plain http to it gets nothing signed: the port speaks TLS only.
      await assert.rejects(fetch(`${url.replace('https:', 'http:')}/health`));

      const run = await runCli(
        ['local', '--once', '--port', '0'],
        {
          ...process.env,
          SIGNER_KIND: 'hsm-proxy',
          HSM_PROXY_PROTOCOL: 'ceb-grab',
          HSM_PROXY_URL: url,
          HSM_PROXY_TOKEN: TOKEN,
          HSM_PROXY_CERT: certFile,
          // The worker trusts the operator's certificate, and nothing switches verification off.
          NODE_EXTRA_CA_CERTS: tlsCert,
        },
        undefined,
        { cwd: dir, timeoutMs: 180_000 },
      );
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stdout, /20 of 20 grabs accepted by customs/);
      // Every upload was signed there: its /health (with the token, over verified TLS) counts them.
      const health = await getJson(`${url}/health`);
      assert.equal(health.status, 'ok');
      assert.equal(health.certNo, '011f03d1');
      assert.ok((health.stats?.signatures ?? 0) >= 20, JSON.stringify(health.stats));
    } finally {
      s.child.kill('SIGTERM');
    }
    await s.exited;
  });

  it('refuses a token shorter than 32 characters, and a card service off this machine', async () => {
    const short = signer([
      '--key',
      keyFile,
      '--cert',
      certFile,
      '--token-file',
      file('short', 'DefaultAuthToken'),
    ]);
    const [shortCode] = await short.exited;
    assert.equal(shortCode, 2);
    assert.match(short.out.stderr, /token must be at least 32 characters \(it has 16\)/);

    const far = signer(['--card', 'ws://10.0.0.5:61232', '--token-file', tokenFile]);
    const [farCode] = await far.exited;
    assert.equal(farCode, 2);
    assert.match(far.out.stderr, /not on this machine: the card service is reached on loopback only/);
    assert.doesNotMatch(short.out.stderr + far.out.stderr, new RegExp(TOKEN));
  });
});

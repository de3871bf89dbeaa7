import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HttpCustomsClient } from '#adapters/customs/http-customs-client.ts';
import { CustomsUnavailableError } from '#core/errors.ts';
import { STAGES } from '../../lib/stage-config.ts';

/**
 * Payment data (bank accounts, signed) goes to customs over TLS, and the certificate customs shows
 * is always verified: a man in the middle with a self-signed certificate gets a refused connection,
 * not our upload. And no product code switches verification off or evaluates strings as code.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRODUCT_DIRS = ['functions', 'local', 'cli', 'lib', 'bin'];

const FORBIDDEN: readonly { what: string; pattern: RegExp }[] = [
  { what: 'TLS verification switched off', pattern: /rejectUnauthorized\s*:\s*(false|0|!1)/ },
  { what: 'TLS verification switched off for the process', pattern: /NODE_TLS_REJECT_UNAUTHORIZED/ },
  { what: 'an "insecure" option', pattern: /\binsecure\b/i },
  { what: 'certificate checks replaced', pattern: /checkServerIdentity|strictSSL\s*:\s*false/ },
  { what: 'eval', pattern: /(^|[^.\w])eval\s*\(/ },
  { what: 'new Function', pattern: /new\s+Function\s*\(/ },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs|cjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** What a text does that product code must not: the list is empty when it is clean. */
function violations(text: string): string[] {
  return FORBIDDEN.filter((f) => f.pattern.test(text)).map((f) => f.what);
}

describe('TLS toward customs, and code that is never evaluated', () => {
  it('finds what it looks for (the scan itself)', () => {
    assert.deepEqual(violations('new https.Agent({ rejectUnauthorized: false })'), [
      'TLS verification switched off',
    ]);
    assert.deepEqual(violations("process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'"), [
      'TLS verification switched off for the process',
    ]);
    assert.deepEqual(violations('curl --insecure'), ['an "insecure" option']);
    assert.deepEqual(violations('const f = eval(code)'), ['eval']);
    assert.deepEqual(violations('return new Function("a", body)'), ['new Function']);
    assert.deepEqual(violations('retrieval(x); medieval (y); rejectUnauthorized: true'), []);
  });

  it('no product code switches TLS verification off or evaluates strings', () => {
    const files = PRODUCT_DIRS.flatMap(sourceFiles);
    assert.ok(files.length > 50, `only ${files.length} files found`);
    const found = files.flatMap((f) =>
      violations(readFileSync(f, 'utf8')).map((v) => `${relative(ROOT, f)}: ${v}`),
    );
    assert.deepEqual(found, []);
  });

  it("the customs client uses node:https with Node's default verification", () => {
    const source = readFileSync(join(ROOT, 'functions/adapters/customs/http-customs-client.ts'), 'utf8');
    assert.match(source, /new https\.Agent\(\{ keepAlive: true \}\)/);
    // Its agents carry keep-alive and nothing else: no TLS settings of their own.
    const agents = source.match(/Agent\([^)]*\)/g) ?? [];
    assert.deepEqual(new Set(agents), new Set(['Agent({ keepAlive: true })']));
    assert.doesNotMatch(source, /dispatcher|undici|node:tls|secureContext|\b(ca|cert|key|pfx)\s*:/i);
    for (const [stage, config] of Object.entries(STAGES)) {
      assert.match(config.customsUploadUrl, /^https:\/\//, `stage ${stage} uploads over TLS`);
    }
  });

  describe('uploading to a server with a self-signed certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-tls-'));
    let url = '';
    let cert = '';
    let received = 0;
    const server = createServer();

    before(async () => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      server.setSecureContext({ key: readFileSync(join(dir, 'key.pem')), cert });
      server.on('request', (req, res) => {
        received++;
        req.resume();
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"code":"10000","message":"上传成功"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/ceb2grab/grab/realTimeDataUpload`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    });

    it('fails as CustomsUnavailableError, and the upload never reaches the server', async () => {
      // The machine's setting must not decide this test: it is the product's behaviour under test.
      const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      try {
        const error = await new HttpCustomsClient(url, 5_000).upload('{"sessionID":"S-TLS"}').then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
        assert.equal(error.retryable, true);
        assert.match(error.message, /self[- ]signed certificate/i);
        assert.equal(received, 0, 'the upload reached a server whose certificate was not verified');
      } finally {
        if (saved !== undefined) process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
      }
    });

    it('while a client that trusts that certificate gets through (the server itself works)', async () => {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        get(url, { ca: cert }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject);
      });
      assert.equal(status, 200);
      assert.equal(received, 1);
    });
  });
});

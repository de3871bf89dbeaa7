import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VECTORS_DIR, vectorsFile, vectorText } from '#test/helpers/vectors.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('ceb-grab customs-sim (its own process)', () => {
  it('prints its URL, accepts vector B for a registered card, and stops cleanly on SIGTERM', async () => {
    const file = vectorsFile();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/ceb-grab.ts',
        'customs-sim',
        '--port',
        '0',
        '--cert',
        `46016602EV=${join(VECTORS_DIR, file.certificate)}`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = once(child, 'exit');
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no URL printed in 15 s; stderr: ${stderr}`)),
          15_000,
        );
        child.stdout.on('data', () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m?.[1] && stdout.includes('Ctrl-C')) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      assert.match(stdout, /certificate 03000000000cde6f \(SM3withSM2\) registered for ebpCode 46016602EV/);

      const sessionID = 'IHWESX-WEASLEY-20230712210643-X7E4PL';
      const reg = await fetch(`${url}/sim/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orderNo: '202009231454218421271832', sessionID }),
      });
      assert.equal(reg.status, 201);
      const text = vectorText(file.vectors.find((v) => v.name === 'B')?.payExInfoStr ?? '').trim();
      const res = await fetch(`${url}/ceb2grab/grab/realTimeDataUpload`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
        body: new URLSearchParams({ payExInfoStr: text }).toString(),
      });
      assert.equal(((await res.json()) as { code: string }).code, '10000');
      const sessions = (await (await fetch(`${url}/sim/sessions`)).json()) as {
        sessions: { status: string }[];
      };
      assert.deepEqual(
        sessions.sessions.map((s) => s.status),
        ['accepted'],
      );
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /SIGTERM: closing the customs simulator/);
  });

  it('refuses a --cert without an ebpCode', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bin/ceb-grab.ts', 'customs-sim', '--cert', 'only-a-path.pem'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const [code] = await once(child, 'exit');
    assert.notEqual(code, 0);
    assert.match(stderr, /expected EBPCODE=path/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '#test/helpers/cli.ts';

/** What a person gets from the CLI before any stack is involved: the version, and usage errors exit 2. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('ceb-grab usage', () => {
  it('--version prints the package version and exits 0', async () => {
    const run = await runCli(['--version']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), version);
  });

  for (const args of [
    ['no-such-command'],
    ['sessions', '--no-such-option'],
    ['load'],
    ['status'],
    ['replay'],
    ['certs', 'add'],
    ['verify', '--no-such-option'],
    ['customs-sim', '--port', 'eighty'],
  ]) {
    it(`a usage error exits 2: ceb-grab ${args.join(' ')}`, async () => {
      const run = await runCli(args, { ...process.env, SESSIONS_TABLE: '', PAYMENTS_TABLE: '' });
      assert.equal(run.code, 2, `${run.stdout}\n${run.stderr}`);
      assert.match(run.stderr, /error|usage/i);
    });
  }
});

describe('ceb-grab load --json', () => {
  it('prints the counts and each rejected line with its field and rule, as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-load-json-'));
    try {
      const good = readFileSync(new URL('../../events/payments.sample.jsonl', import.meta.url), 'utf8').split(
        '\n',
      )[0];
      const file = join(dir, 'p.jsonl');
      writeFileSync(file, `${good}\n{"payTransactionID":"x"}\n`);
      const run = await runCli(['load', file, '--dry-run', '--json']);
      assert.equal(run.code, 1, run.stderr);
      const out = JSON.parse(run.stdout) as {
        lines: number;
        valid: number;
        rejected: number;
        rejections: { line: number; issues: { path: string; rule: string }[] }[];
      };
      assert.equal(out.lines, 2);
      assert.equal(out.valid, 1);
      assert.equal(out.rejections[0]?.line, 2);
      assert.ok(out.rejections[0]?.issues.some((i) => i.rule === 'unknown field payTransactionID'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

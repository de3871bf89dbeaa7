import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildCli } from '#cli/index.ts';
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
    ['sessions', '--stage'],
    ['sessions', '--stage', 'no/such'],
    ['status', 'S-1', '--region', 'mars'],
    ['certs', 'list', '--profile'],
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

describe('which stack a command works on', () => {
  const program = buildCli();
  const find = (path: string) =>
    path.split(' ').reduce((cmd, name) => {
      const sub = cmd.commands.find((c) => c.name() === name);
      assert.ok(sub, `no command ${path}`);
      return sub;
    }, program);
  const stackOptions = (path: string) =>
    find(path)
      .options.map((o) => o.long)
      .filter((long) => long === '--stage' || long === '--region' || long === '--profile');

  for (const path of [
    'sessions',
    'status',
    'load',
    'replay',
    'redrive',
    'certs list',
    'certs add',
    'certs remove',
    'clearance',
    'signer-reset',
    'verify',
  ]) {
    it(`ceb-grab ${path} takes --stage, --region and --profile`, () => {
      assert.deepEqual(stackOptions(path), ['--stage', '--region', '--profile']);
    });
  }

  // Those that never touch a stage's tables do not pretend to.
  for (const path of ['local', 'customs-sim', 'signer', 'kms-double']) {
    it(`ceb-grab ${path} does not`, () => {
      assert.deepEqual(stackOptions(path), []);
    });
  }
});

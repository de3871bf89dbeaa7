import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LocalStackInfo } from '#local/stack-file.ts';
import { readStackFile, removeStackFile, stackFilePath, writeStackFile } from '#local/stack-file.ts';
import { runCli } from '#test/helpers/cli.ts';

/** Where other terminals find the running local stack, and a second stack refusing to take its place. */
const project = mkdtempSync(join(tmpdir(), 'ceb-grab-project-'));
writeFileSync(join(project, 'package.json'), '{"name":"some-project"}\n');
const deep = join(project, 'events', 'grab-request');
mkdirSync(deep, { recursive: true });
after(() => rmSync(project, { recursive: true, force: true }));

const info = (pid: number): LocalStackInfo => ({
  sessionsTable: 's',
  paymentsTable: 'p',
  certificatesTable: 'c',
  clearanceTable: 'cl',
  grabQueueUrl: 'http://127.0.0.1:1/q',
  grabDlqUrl: 'http://127.0.0.1:1/dlq',
  maxReceives: 5,
  visibilityTimeoutSeconds: 30,
  endpoint: 'http://127.0.0.1:1',
  region: 'cn-north-1',
  apiUrl: 'http://127.0.0.1:3000',
  customsUrl: 'http://127.0.0.1:1',
  pid,
});

describe('the local stack file', () => {
  it('is found from any subdirectory of the project', () => {
    assert.equal(stackFilePath(deep), join(project, '.ceb-grab', 'local.json'));
    writeStackFile(info(process.pid), stackFilePath(project));
    assert.equal(readStackFile(stackFilePath(deep))?.pid, process.pid);
  });

  it('is left alone by a process it does not belong to', () => {
    const path = stackFilePath(project);
    writeStackFile(info(process.ppid), path);
    removeStackFile(path);
    assert.ok(existsSync(path), "another process's stack file stays");
    writeStackFile(info(process.pid), path);
    removeStackFile(path);
    assert.ok(!existsSync(path));
  });

  it('a second `ceb-grab local` refuses to start while the first lives', async () => {
    writeStackFile(info(process.pid), stackFilePath(project));
    const run = await runCli(['local', '--no-provision', '--once'], process.env, undefined, { cwd: deep });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`already running here \\(pid ${process.pid}`));
    assert.equal(
      readStackFile(stackFilePath(project))?.pid,
      process.pid,
      'the first stack file is untouched',
    );
  });
});

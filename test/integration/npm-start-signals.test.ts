import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { readStackFile } from '#local/stack-file.ts';

/**
 * `npm start` ended by SIGTERM (a process manager, `kill`) or by its parent's death leaves nothing behind:
 * no node, no moto, no temporary key directory, no stack file.
 */
const REPO = join(import.meta.dirname, '..', '..');
const STACK_FILE = join(REPO, '.ceb-grab', 'local.json');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Start the stack (`npm start -- --no-demo --port 0`, or under another parent) and wait until it serves. */
async function startServing(
  command: readonly string[] = ['npm', 'start', '--', '--no-demo', '--port', '0'],
): Promise<{ npm: ChildProcess; output: () => string; motoPid: number }> {
  const [file = 'npm', ...args] = command;
  const npm = spawn(file, args, {
    cwd: REPO,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  npm.stderr?.on('data', (b: Buffer) => {
    output += b.toString();
  });
  await until('the stack to serve', () => output.includes('serving;') || npm.exitCode !== null);
  assert.equal(npm.exitCode, null, output);
  const motoPid = Number(/moto, pid (\d+)/.exec(output)?.[1]);
  assert.ok(motoPid > 0, output);
  return { npm, output: () => output, motoPid };
}

describe('npm start stops everything', () => {
  it('SIGTERM to npm start leaves no process, no key directory and no stack file behind', async (t) => {
    if (readStackFile(STACK_FILE)) t.skip('a local stack is already running in this checkout');
    const { npm, output, motoPid } = await startServing();
    const info = readStackFile(STACK_FILE) ?? assert.fail('no stack file while serving');
    const keyDir = info.signerFiles ? dirname(info.signerFiles.key) : undefined;
    assert.ok(alive(info.pid) && alive(motoPid));

    npm.kill('SIGTERM');
    await until('npm to exit', () => npm.exitCode !== null || npm.signalCode !== null);
    await until('ceb-grab local and moto to end', () => !alive(info.pid) && !alive(motoPid), 30_000);
    assert.ok(!existsSync(STACK_FILE), output());
    if (keyDir) assert.ok(!existsSync(keyDir), `${keyDir} is left behind`);
  });

  it("its parent's death (killed outright, no signal passed on) stops it and moto too", async (t) => {
    if (readStackFile(STACK_FILE)) t.skip('a local stack is already running in this checkout');
    const { npm: parent, motoPid } = await startServing([
      'sh',
      '-c',
      `"${process.execPath}" bin/ceb-grab.js local --no-demo --port 0 & wait`,
    ]);
    const info = readStackFile(STACK_FILE) ?? assert.fail('no stack file while serving');
    parent.kill('SIGKILL');
    await until('ceb-grab local and moto to end', () => !alive(info.pid) && !alive(motoPid), 30_000);
    assert.ok(!existsSync(STACK_FILE));
  });
});

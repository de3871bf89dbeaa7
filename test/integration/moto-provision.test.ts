import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureMotoServer, startMoto } from '#local/moto.ts';
import { MOTO_VERSION } from '#local/moto-pin.ts';
import { runCli } from '#test/helpers/cli.ts';
import { type FakeMachine, type FakeMachineOptions, fakeMachine } from '#test/helpers/fake-python.ts';

/**
 * `npm start` on a machine without moto: the real resolver and provisioner run against stub Pythons in a
 * temporary PATH/HOME/XDG_CACHE_HOME (test/helpers/fake-python.ts); nothing is downloaded.
 */
const ATOMIC_LAUNCHER = fileURLToPath(new URL('../../local/moto_server_atomic.py', import.meta.url));
const machines: FakeMachine[] = [];
afterEach(() => {
  for (const m of machines.splice(0)) m.remove();
});

function machine(opts: FakeMachineOptions = { python3: '3.11.7' }) {
  const m = fakeMachine(opts);
  machines.push(m);
  const lines: string[] = [];
  const ensure = (env: NodeJS.ProcessEnv = {}) =>
    ensureMotoServer({ env: { ...m.env, ...env }, log: (l) => lines.push(l) });
  return { m, lines, ensure };
}

describe('moto provisioning on a machine without moto', () => {
  it('installs the pinned moto into the cache once, with a progress line, and reuses it after', async () => {
    const { m, lines, ensure } = machine();
    const first = await ensure();
    assert.equal(first, join(m.venvDir, 'bin', 'moto_server'));
    assert.deepEqual(
      m.calls().filter((c) => c.includes(' -m venv ')),
      [`python3 -m venv ${m.venvDir}`],
    );
    assert.equal(m.pipCalls().length, 1);
    assert.match(m.pipCalls()[0] ?? '', new RegExp(`-m pip install .*moto\\[server\\]==${MOTO_VERSION}$`));
    assert.match(
      lines[0] ?? '',
      new RegExp(`installing moto\\[server\\]==${MOTO_VERSION} into ${m.venvDir}`),
    );
    assert.match(lines.at(-1) ?? '', /installed in \d+ s/);

    lines.length = 0;
    const before = m.calls().length;
    assert.equal(await ensure(), first);
    assert.equal(m.pipCalls().length, 1, 'pip is not run again');
    assert.deepEqual(lines, [], 'a reused install says nothing');
    assert.ok(
      m
        .calls()
        .slice(before)
        .every((c) => !c.startsWith('python3 ')),
      'no venv is made again',
    );
  });

  it('puts the venv under ~/.cache when XDG_CACHE_HOME is unset', async () => {
    const { m, ensure } = machine();
    const bin = await ensure({ XDG_CACHE_HOME: undefined });
    assert.equal(
      bin,
      join(m.root, 'home', '.cache', 'ceb-grab', `moto-${MOTO_VERSION}`, 'bin', 'moto_server'),
    );
  });

  it('installs once when two callers start at the same time (test files run two at a time)', async () => {
    const { m, lines, ensure } = machine();
    const [a, b] = await Promise.all([ensure(), ensure()]);
    assert.equal(a, b);
    assert.equal(m.pipCalls().length, 1);
    assert.ok(lines.some((l) => l.startsWith('waiting for another ceb-grab')));
    assert.deepEqual(readdirSync(join(m.venvDir, '..')), [`moto-${MOTO_VERSION}`], 'no lock file is left');
  });

  it('keeps a stale lock from a dead run from blocking the install', async () => {
    const { m, ensure } = machine();
    mkdirSync(join(m.venvDir, '..'), { recursive: true });
    writeFileSync(`${m.venvDir}.lock`, '999999999'); // no such process
    assert.equal(await ensure(), join(m.venvDir, 'bin', 'moto_server'));
    assert.equal(m.pipCalls().length, 1);
    assert.equal(existsSync(`${m.venvDir}.lock`), false);
  });

  it('without a Python 3.9+ says to install one or set MOTO_SERVER, and creates nothing', async () => {
    for (const python3 of [undefined, '3.8.18']) {
      const { m, ensure } = machine(python3 ? { python3 } : {});
      await assert.rejects(ensure(), /no Python 3\.9\+ .*install Python 3\.9\+ or set MOTO_SERVER/);
      assert.equal(existsSync(m.venvDir), false);
      if (python3)
        assert.ok(
          m.calls().some((c) => c.startsWith('python3 -c ')),
          'python3 was asked its version',
        );
    }
  });

  it('when pip cannot reach its index says so, names PIP_INDEX_URL, and leaves no half-made venv', async () => {
    const { m, ensure } = machine({ python3: '3.12.1', pip: 'index-unreachable' });
    await assert.rejects(
      ensure(),
      /^Error: pip could not download moto: .*(No matching distribution|Network is unreachable).*Set PIP_INDEX_URL.*install moto yourself/,
    );
    assert.equal(existsSync(m.venvDir), false);
  });

  it('recreates a broken venv once and uses it', async () => {
    const { m, lines, ensure } = machine();
    await ensure();
    rmSync(join(m.venvDir, 'bin', 'moto_server'));
    assert.equal(await ensure(), join(m.venvDir, 'bin', 'moto_server'));
    assert.equal(m.pipCalls().length, 2);
    assert.ok(lines.some((l) => l === `recreating the moto environment in ${m.venvDir}: no bin/moto_server`));
  });

  it('recreates a venv that comes out broken once, then names the folder to delete', async () => {
    const { m, ensure } = machine({ python3: '3.11.7', pip: 'installs-nothing-importable' });
    await assert.rejects(ensure(), (e: Error) => {
      assert.match(e.message, /cannot import moto/);
      assert.ok(e.message.includes(`${m.venvDir} is broken`), e.message);
      assert.match(e.message, /delete that folder and run again/);
      return true;
    });
    assert.equal(m.pipCalls().length, 2, 'one install and one recreation, no more');
  });

  it('an interrupted install (no completion marker) is recreated, not used', async () => {
    const { m, ensure } = machine();
    await ensure();
    rmSync(join(m.venvDir, '.ceb-grab-complete'));
    await ensure();
    assert.equal(m.pipCalls().length, 2);
  });

  it('refuses a moto of another major version', async () => {
    const { m, lines, ensure } = machine();
    const oldBin = m.installMoto('old-moto', '4.2.0');
    const oldMoto = join(oldBin, 'moto_server');
    await assert.rejects(
      ensure({ MOTO_SERVER: oldMoto }),
      new RegExp(
        `^Error: moto_server at ${oldMoto} is moto 4\\.2\\.0, and ceb-grab needs moto 5\\.x .*MOTO_SERVER`,
      ),
    );

    // Found on PATH: passed over with a note, and the pinned one is installed instead.
    const onPath = { PATH: `${oldBin}:${m.binDir}` };
    await assert.rejects(ensure({ ...onPath, CEB_GRAB_NO_PROVISION: '1' }), /^Error: moto_server not found/);
    assert.match(lines[0] ?? '', /^ignoring moto_server at .* is moto 4\.2\.0/);
    assert.equal(await ensure(onPath), join(m.venvDir, 'bin', 'moto_server'));
  });

  it('uses a moto of the same major version found on PATH without installing anything', async () => {
    const { m, ensure } = machine();
    const bin = m.installMoto('other-moto', '5.0.9');
    assert.equal(await ensure({ PATH: `${bin}:${m.binDir}` }), join(bin, 'moto_server'));
    assert.equal(m.pipCalls().length, 0);
  });

  it('CEB_GRAB_NO_PROVISION=1 gives the not-found message and installs nothing', async () => {
    const { m, ensure } = machine();
    await assert.rejects(
      ensure({ CEB_GRAB_NO_PROVISION: '1' }),
      /^Error: moto_server not found: .*pip install 'moto\[server\]==5\.2\.1'.* point MOTO_SERVER at it, or run without --no-provision/,
    );
    assert.deepEqual(m.calls(), []);
    assert.equal(existsSync(join(m.root, 'cache', 'ceb-grab')), false);
  });

  it('startMoto starts the installed moto_server on loopback and stops it', async () => {
    const { m, lines } = machine();
    const moto = await startMoto({ env: m.env, log: (l) => lines.push(l) });
    try {
      assert.match(moto.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await (await fetch(`${moto.endpoint}/moto-api/`)).text(), 'fake moto');
      assert.equal(m.pipCalls().length, 1);
      // Through the launcher that makes DynamoDB writes atomic, with the venv's Python.
      const port = new URL(moto.endpoint).port;
      assert.ok(
        m.calls().includes(`venv-python ${ATOMIC_LAUNCHER} -H 127.0.0.1 -p ${port}`),
        m.calls().join('\n'),
      );
      assert.equal(moto.atomicDynamoDb, true);
      assert.ok(lines.every((l) => !/not a Python script/.test(l)));
    } finally {
      await moto.stop();
    }
    await assert.rejects(fetch(`${moto.endpoint}/moto-api/`));
  });

  it('startMoto runs a moto_server that is not a Python script as it is, and says so once', async () => {
    const { m, lines, ensure } = machine();
    const venvMoto = await ensure();
    const wrapper = join(m.root, 'wrapper', 'moto_server');
    mkdirSync(join(m.root, 'wrapper'));
    writeFileSync(wrapper, `#!/bin/bash\nexec '${join(venvMoto, '..', 'python')}' "$@"\n`, { mode: 0o755 });
    lines.length = 0;
    const moto = await startMoto({ env: { ...m.env, MOTO_SERVER: wrapper }, log: (l) => lines.push(l) });
    try {
      assert.equal(await (await fetch(`${moto.endpoint}/moto-api/`)).text(), 'fake moto');
      assert.equal(moto.atomicDynamoDb, false);
      assert.deepEqual(lines, [
        `moto_server at ${wrapper} is not a Python script, so it runs as it is, without the lock that ` +
          'makes each DynamoDB write atomic as in AWS: concurrent conditional writes to one item may both succeed',
      ]);
      assert.ok(m.calls().every((c) => !c.includes(ATOMIC_LAUNCHER)));
    } finally {
      await moto.stop();
    }
    await assert.rejects(fetch(`${moto.endpoint}/moto-api/`));
  });
});

describe('ceb-grab local on a machine without moto', () => {
  for (const [how, args, env] of [
    ['--no-provision', ['local', '--once', '--no-provision'], {}],
    ['CEB_GRAB_NO_PROVISION=1', ['local', '--once'], { CEB_GRAB_NO_PROVISION: '1' }],
  ] as const) {
    it(`with ${how} stops with the not-found message and installs nothing`, async () => {
      const { m } = machine();
      const run = await runCli([...args], { ...m.env, ...env }, undefined, { cwd: m.root });
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        /^ceb-grab: moto_server not found: .*--no-provision \/ CEB_GRAB_NO_PROVISION/m,
      );
      assert.doesNotMatch(run.stderr, /installing moto/);
      assert.deepEqual(m.calls(), []);
    });
  }
});

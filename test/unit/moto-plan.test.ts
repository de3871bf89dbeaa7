import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MOTO_VERSION } from '#local/moto-pin.ts';
import {
  installedCandidates,
  motoServerCommand,
  motoSettings,
  parseVersion,
  pipIndexFailure,
  pipInstallCommand,
  pipStep,
  pythonInterpreterOf,
} from '#local/moto-plan.ts';

describe('moto plan', () => {
  it('asks the Python a moto_server names, in each form pip writes, and nothing else', () => {
    assert.deepEqual(pythonInterpreterOf('#!/root/.pyenv/versions/3.11.7/bin/python\nimport re\n'), [
      '/root/.pyenv/versions/3.11.7/bin/python',
    ]);
    assert.deepEqual(pythonInterpreterOf('#!/usr/bin/env python3\n'), ['/usr/bin/env', 'python3']);
    assert.deepEqual(
      pythonInterpreterOf(
        `#!/bin/sh\n'''exec' "/home/a b/.cache/ceb-grab/moto/bin/python" "$0" "$@"\n' '''\n`,
      ),
      ['/home/a b/.cache/ceb-grab/moto/bin/python'],
    );
    // A pyenv shim or a wrapper cannot be asked: its moto version is unknown, not wrong.
    assert.equal(
      pythonInterpreterOf('#!/usr/bin/env bash\nexec "/root/.pyenv/libexec/pyenv" exec'),
      undefined,
    );
    assert.equal(pythonInterpreterOf('\x7fELF\x02\x01'), undefined);
  });

  it("starts moto through the atomic launcher with the script's own Python, and a wrapper as it is", () => {
    const L = '/repo/local/moto_server_atomic.py';
    const flags = ['-H', '127.0.0.1', '-p', '4566'];
    assert.deepEqual(motoServerCommand('/v/bin/moto_server', '#!/v/bin/python\nimport re\n', L, 4566), {
      file: '/v/bin/python',
      args: [L, ...flags],
      atomicDynamoDb: true,
    });
    assert.deepEqual(motoServerCommand('/u/moto_server', '#!/usr/bin/env python3\n', L, 4566), {
      file: '/usr/bin/env',
      args: ['python3', L, ...flags],
      atomicDynamoDb: true,
    });
    assert.deepEqual(
      motoServerCommand('/w/moto_server', '#!/bin/sh\nexec docker run motoserver/moto "$@"\n', L, 4566),
      { file: '/w/moto_server', args: flags, atomicDynamoDb: false },
    );
  });

  it('reads versions from what Python and pip print', () => {
    assert.deepEqual(parseVersion('Python 3.11.7\n'), { major: 3, minor: 11, text: '3.11.7' });
    assert.deepEqual(parseVersion('5.2.1'), { major: 5, minor: 2, text: '5.2.1' });
    assert.equal(parseVersion('Traceback (most recent call last):'), undefined);
  });

  it('tells an unreachable index from other pip failures', () => {
    const offline = [
      "WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/moto/",
      'ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)',
      'ERROR: No matching distribution found for moto[server]==5.2.1',
    ].join('\n');
    assert.match(pipIndexFailure(offline) ?? '', /Failed to establish a new connection/);
    assert.equal(
      pipIndexFailure('ERROR: Failed building wheel for cryptography\nerror: subprocess-exited-with-error'),
      undefined,
    );
  });

  it('installs exactly the pinned moto with its server extra', () => {
    assert.equal(pipInstallCommand('/v/bin/python').args.at(-1), `moto[server]==${MOTO_VERSION}`);
    assert.equal(
      pipStep('Collecting werkzeug!=2.2.0,>=0.5 (from moto[server]==5.2.1)'),
      'collecting werkzeug',
    );
    assert.equal(
      pipStep('  Downloading https://files/flask-3.1.0-py3-none-any.whl (102 kB)'),
      'downloading flask-3.1.0-py3-none-any.whl',
    );
  });

  it('puts the venv under XDG_CACHE_HOME (when absolute) or ~/.cache, and reads the opt-out', () => {
    const at = (env: NodeJS.ProcessEnv) => motoSettings(env, '/home/u');
    assert.equal(at({ XDG_CACHE_HOME: '/c' }).venvDir, `/c/ceb-grab/moto-${MOTO_VERSION}`);
    assert.equal(at({ XDG_CACHE_HOME: 'relative' }).venvDir, `/home/u/.cache/ceb-grab/moto-${MOTO_VERSION}`);
    for (const [value, provision] of [
      [undefined, true],
      ['', true],
      ['0', true],
      ['1', false],
      ['true', false],
    ] as const)
      assert.equal(
        at(value === undefined ? {} : { CEB_GRAB_NO_PROVISION: value }).provision,
        provision,
        value,
      );
  });

  it('looks on PATH past pyenv shims, then in every pyenv version', () => {
    const s = motoSettings(
      {
        PATH: '/root/.pyenv/plugins/pyenv-virtualenv/shims:/root/.pyenv/shims:/usr/bin',
        PYENV_ROOT: '/root/.pyenv',
      },
      '/root',
    );
    assert.deepEqual(installedCandidates(s, ['3.9.18', '3.11.7']), [
      '/usr/bin/moto_server',
      '/root/.pyenv/versions/3.9.18/bin/moto_server',
      '/root/.pyenv/versions/3.11.7/bin/moto_server',
    ]);
  });

  it('the README quotes the pinned version', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(`moto[server]==${MOTO_VERSION}`));
  });
});

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOTO_VERSION } from '#local/moto-pin.ts';

/**
 * A machine without moto, in a temporary tree: HOME, XDG_CACHE_HOME and a PATH holding only stub
 * Pythons (bash scripts). Each stub appends its arguments to calls.log; the stub venv's `python -m pip
 * install` writes a fake moto_server whose first line names that venv's python, as pip does, and which
 * serves HTTP on 127.0.0.1 when started. Nothing is downloaded.
 */
export type PipBehaviour = 'installs' | 'index-unreachable' | 'installs-nothing-importable';

export interface FakeMachineOptions {
  /** the version `python3` reports; undefined: no python3 on PATH */
  readonly python3?: string;
  readonly pip?: PipBehaviour;
  /** the moto version the stub pip installs */
  readonly pipMotoVersion?: string;
}

export interface FakeMachine {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly binDir: string;
  /** where the provisioner must put its venv under this XDG_CACHE_HOME */
  readonly venvDir: string;
  /** every stub invocation so far, one `name args...` line each */
  calls(): string[];
  pipCalls(): string[];
  /** a moto_server of `version` (with its own stub python) in its own bin folder, which is returned */
  installMoto(name: string, version: string): string;
  remove(): void;
}

const SH = '/bin/bash';
const TOOLS = 'PATH=/usr/bin:/bin'; // the stubs' own tools; the PATH under test holds only the stubs

function script(path: string, body: string): void {
  writeFileSync(path, `#!${SH}\n${body}\n`);
  chmodSync(path, 0o755);
}

/** The venv's python: answers the moto version probe, runs pip, and runs moto_server as a tiny HTTP server. */
function venvPythonBody(calls: string, pip: PipBehaviour, motoVersion: string): string {
  const fakeServer =
    "require('node:http').createServer((q, s) => s.end('fake moto')).listen(Number(process.argv[1]), '127.0.0.1')";
  const install = {
    installs: `printf '#!%s\\n# fake moto_server\\n' "$here/python" > "$here/moto_server"; chmod +x "$here/moto_server"; echo ${motoVersion} > "$here/../moto-version"
      echo "Collecting moto[server]==${motoVersion}"; echo "Successfully installed moto-${motoVersion}"; exit 0`,
    'index-unreachable': `echo "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError(\\"Failed to establish a new connection: [Errno 101] Network is unreachable\\")': /simple/moto/" >&2
      echo "ERROR: Could not find a version that satisfies the requirement moto[server]==${motoVersion} (from versions: none)" >&2
      echo "ERROR: No matching distribution found for moto[server]==${motoVersion}" >&2; exit 1`,
    'installs-nothing-importable': `printf '#!%s\\n# fake moto_server\\n' "$here/python" > "$here/moto_server"; chmod +x "$here/moto_server"; exit 0`,
  }[pip];
  return `${TOOLS}
here="$(dirname "$0")"
echo "venv-python $*" >> '${calls}'
case "$1" in
  -c)
    case "$2" in
      *importlib*) if [ -f "$here/../moto-version" ]; then cat "$here/../moto-version"; exit 0; fi
        echo "importlib.metadata.PackageNotFoundError: No package metadata was found for moto" >&2; exit 1 ;;
      *) echo 3.11.7 ;;
    esac ;;
  -m)
    [ "$2" = pip ] || exit 2
    ${install} ;;
  *)
    port=""; while [ $# -gt 0 ]; do [ "$1" = -p ] && port="$2"; shift; done
    exec '${process.execPath}' -e "${fakeServer}" "$port" ;;
esac`;
}

export function fakeMachine(opts: FakeMachineOptions = {}): FakeMachine {
  const root = mkdtempSync(join(tmpdir(), 'ceb-grab-moto-'));
  const binDir = join(root, 'bin');
  const stubs = join(root, 'stubs');
  const calls = join(root, 'calls.log');
  for (const d of [binDir, stubs, join(root, 'home'), join(root, 'cache')]) mkdirSync(d, { recursive: true });
  writeFileSync(calls, '');
  const pipMotoVersion = opts.pipMotoVersion ?? MOTO_VERSION;
  script(join(stubs, 'venv-python'), venvPythonBody(calls, opts.pip ?? 'installs', pipMotoVersion));
  if (opts.python3) {
    script(
      join(binDir, 'python3'),
      `${TOOLS}
echo "python3 $*" >> '${calls}'
case "$1" in
  -c) echo '${opts.python3}' ;;
  -m) [ "$2" = venv ] && [ -n "$3" ] || exit 2
      mkdir -p "$3/bin" && cp '${join(stubs, 'venv-python')}' "$3/bin/python" ;;
  *) exit 2 ;;
esac`,
    );
  }
  const readCalls = () => readFileSync(calls, 'utf8').split('\n').filter(Boolean);
  return {
    root,
    binDir,
    env: { PATH: binDir, HOME: join(root, 'home'), XDG_CACHE_HOME: join(root, 'cache') },
    venvDir: join(root, 'cache', 'ceb-grab', `moto-${MOTO_VERSION}`),
    calls: readCalls,
    pipCalls: () => readCalls().filter((c) => c.includes(' -m pip ')),
    installMoto(name, version) {
      const dir = join(root, name);
      mkdirSync(join(dir, 'bin'), { recursive: true });
      script(join(dir, 'bin', 'python'), venvPythonBody(calls, 'installs', version));
      writeFileSync(join(dir, 'bin', 'moto_server'), `#!${join(dir, 'bin', 'python')}\n# fake moto_server\n`);
      chmodSync(join(dir, 'bin', 'moto_server'), 0o755);
      writeFileSync(join(dir, 'moto-version'), `${version}\n`);
      return join(dir, 'bin');
    },
    remove: () => {
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
    },
  };
}

import { basename, delimiter, isAbsolute, join } from 'node:path';
import { MOTO_VERSION } from './moto-pin.ts';

/**
 * The decisions behind finding or installing moto_server, with no I/O: where the emulator goes, which
 * Pythons to try, what to run, how to read what they print, and what to tell the user when it fails.
 * local/moto-provision.ts runs them.
 */

/** Pythons to try in order, each checked by running it (a name on PATH says nothing of its version). */
export const PYTHON_NAMES: readonly string[] = [
  'python3',
  ...[13, 12, 11, 10, 9].map((minor) => `python3.${minor}`),
  'python',
];
export const MIN_PYTHON = { major: 3, minor: 9 } as const;

export const PYTHON_VERSION_CODE = "import sys; print('%d.%d.%d' % sys.version_info[:3])";
export const MOTO_VERSION_CODE = "import importlib.metadata as m; print(m.version('moto'))";

/** Written last by the provisioner: a venv without it was interrupted or failed. */
export const COMPLETE_MARKER = '.ceb-grab-complete';

export interface MotoSettings {
  /** MOTO_SERVER: when set, the only moto_server considered. */
  readonly explicit: string | undefined;
  /** false with `--no-provision` or CEB_GRAB_NO_PROVISION=1. */
  readonly provision: boolean;
  readonly pathDirs: readonly string[];
  readonly pyenvRoot: string;
  readonly venvDir: string;
}

export function motoSettings(env: NodeJS.ProcessEnv, home: string): MotoSettings {
  const noProvision = (env.CEB_GRAB_NO_PROVISION ?? '').trim().toLowerCase();
  const cache =
    env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(home, '.cache');
  return {
    explicit: env.MOTO_SERVER || undefined,
    provision: noProvision === '' || noProvision === '0' || noProvision === 'false',
    pathDirs: (env.PATH ?? '').split(delimiter).filter(Boolean),
    pyenvRoot: env.PYENV_ROOT || join(home, '.pyenv'),
    venvDir: join(cache, 'ceb-grab', `moto-${MOTO_VERSION}`),
  };
}

/**
 * moto_server paths to look at, in order: PATH, then every pyenv version. pyenv's shims on PATH are
 * skipped: they run whichever Python is selected (which may lack moto) and hide the real script's
 * interpreter from the version check; the versions they stand for are scanned directly.
 */
export function installedCandidates(s: MotoSettings, pyenvVersions: readonly string[]): string[] {
  const onPath = s.pathDirs
    .filter((d) => d !== s.pyenvRoot && !d.startsWith(`${s.pyenvRoot}/`))
    .map((d) => join(d, 'moto_server'));
  const pyenv = [...pyenvVersions]
    .sort()
    .reverse()
    .map((v) => join(s.pyenvRoot, 'versions', v, 'bin', 'moto_server'));
  return [...onPath, ...pyenv];
}

export interface VenvLayout {
  readonly dir: string;
  readonly python: string;
  readonly motoServer: string;
  readonly marker: string;
}

export const venvLayout = (dir: string): VenvLayout => ({
  dir,
  python: join(dir, 'bin', 'python'),
  motoServer: join(dir, 'bin', 'moto_server'),
  marker: join(dir, COMPLETE_MARKER),
});

export interface Command {
  readonly file: string;
  readonly args: readonly string[];
}

export const venvCommand = (python: string, dir: string): Command => ({
  file: python,
  args: ['-m', 'venv', dir],
});

export const pipInstallCommand = (venvPython: string): Command => ({
  file: venvPython,
  args: [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '--progress-bar',
    'off',
    `moto[server]==${MOTO_VERSION}`,
  ],
});

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly text: string;
}

/** The first `X.Y[.Z]` in a program's output ("Python 3.11.7", "5.2.1"). */
export function parseVersion(output: string): Version | undefined {
  const m = /(\d+)\.(\d+)(?:\.\d+)?/.exec(output);
  if (!m?.[1] || !m[2]) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), text: m[0] };
}

export const isUsablePython = (v: Version): boolean =>
  v.major > MIN_PYTHON.major || (v.major === MIN_PYTHON.major && v.minor >= MIN_PYTHON.minor);

export const PINNED_MAJOR = Number(MOTO_VERSION.split('.')[0]);

/**
 * The interpreter a script's first line names, as an argument list (`#!/usr/bin/env python3` ->
 * ['/usr/bin/env', 'python3']); pip's `#!/bin/sh` + `'''exec' "/long path/python"` form for paths a
 * shebang cannot hold is read too. Undefined when the script is not run by Python (a wrapper, a
 * binary): its moto version cannot be asked.
 */
export function pythonInterpreterOf(head: string): string[] | undefined {
  const lines = head.split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith('#!')) return undefined;
  const argv = first.slice(2).trim().split(/\s+/).filter(Boolean);
  const isPython = (p: string | undefined) => p !== undefined && basename(p).startsWith('python');
  if (isPython(argv[0])) return argv;
  if (argv[0] && basename(argv[0]) === 'env' && isPython(argv.find((a, i) => i > 0 && !a.startsWith('-'))))
    return argv;
  const exec = /^'''exec' (?:"([^"]+)"|(\S+))/m.exec(head);
  const viaSh = exec?.[1] ?? exec?.[2];
  return isPython(viaSh) && viaSh ? [viaSh] : undefined;
}

/**
 * How to start a moto_server on loopback: through `launcher` (local/moto_server_atomic.py, which makes
 * each DynamoDB request atomic as DynamoDB is) with the Python the script's first line names; a
 * moto_server that is not a Python script (a wrapper, a binary) cannot be, and is run as it is.
 */
export function motoServerCommand(
  motoServer: string,
  head: string,
  launcher: string,
  port: number,
): Command & { readonly atomicDynamoDb: boolean } {
  const flags = ['-H', '127.0.0.1', '-p', String(port)];
  const [python, ...pythonArgs] = pythonInterpreterOf(head) ?? [];
  if (!python) return { file: motoServer, args: flags, atomicDynamoDb: false };
  return { file: python, args: [...pythonArgs, launcher, ...flags], atomicDynamoDb: true };
}

/** pip's lines that mean it could not reach its index (offline, proxy, DNS, TLS, no such version there). */
const INDEX_FAILURE =
  /No matching distribution found|Could not find a version that satisfies|Failed to establish a new connection|Network is unreachable|Temporary failure in name resolution|Name or service not known|Max retries exceeded|ProxyError|SSLError|ConnectTimeout|ReadTimeout|Connection refused/;

export function pipIndexFailure(output: string): string | undefined {
  return output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => INDEX_FAILURE.test(l));
}

/** A short status from one line of pip's output ("Collecting werkzeug>=0.5" -> "collecting werkzeug"). */
export function pipStep(line: string): string | undefined {
  const collecting = /^Collecting ([A-Za-z0-9_.-]+)/.exec(line);
  if (collecting) return `collecting ${collecting[1]}`;
  const downloading = /^\s*Downloading (\S+)/.exec(line);
  if (downloading?.[1]) return `downloading ${basename(downloading[1])}`;
  if (/^Installing collected packages/.test(line)) return 'installing the packages';
  return undefined;
}

export const messages = {
  notFound: (s: MotoSettings) =>
    'moto_server not found: it is the local AWS emulator this project runs on. Looked on PATH and under ' +
    `${s.pyenvRoot}/versions/*/bin and ${s.venvDir}. Install it with ` +
    `\`pip install 'moto[server]==${MOTO_VERSION}'\` or point MOTO_SERVER at it` +
    (s.provision
      ? '.'
      : ', or run without --no-provision / CEB_GRAB_NO_PROVISION to let ceb-grab install it.'),
  otherMajor: (path: string, version: string) =>
    `moto_server at ${path} is moto ${version}, and ceb-grab needs moto ${PINNED_MAJOR}.x (it is tested ` +
    `against ${MOTO_VERSION}; table and stream behaviour differ between majors)`,
  explicitOtherMajor: (path: string, version: string) =>
    `${messages.otherMajor(path, version)}: point MOTO_SERVER at a moto ${PINNED_MAJOR}.x moto_server, or ` +
    'unset it to let ceb-grab find or install one',
  notAtomic: (path: string) =>
    `moto_server at ${path} is not a Python script, so it runs as it is, without the lock that makes ` +
    'each DynamoDB write atomic as in AWS: concurrent conditional writes to one item may both succeed',
  explicitMissing: (path: string) =>
    `MOTO_SERVER=${path} does not exist: point it at a moto_server, or unset it`,
  noPython: (tried: readonly string[]) =>
    `moto_server not found, and no Python ${MIN_PYTHON.major}.${MIN_PYTHON.minor}+ to install it with ` +
    `(tried ${tried.join(', ')}): install Python 3.9+ or set MOTO_SERVER to a moto_server`,
  venvFailed: (python: string, version: string, dir: string, output: string) =>
    `could not create a Python environment for moto in ${dir} with ${python} (${version}): ${lastLine(output)} ` +
    '(on Debian or Ubuntu, install python3-venv), or set MOTO_SERVER to a moto_server',
  pipIndex: (line: string) =>
    `pip could not download moto: ${line}. Set PIP_INDEX_URL to an index it can reach, or install moto ` +
    `yourself (\`pip install 'moto[server]==${MOTO_VERSION}'\`) and set MOTO_SERVER to its moto_server`,
  pipFailed: (code: number | null, output: string) =>
    `pip could not install moto[server]==${MOTO_VERSION} (exit ${code}): ${lastLine(output)}; install moto ` +
    'yourself and set MOTO_SERVER to its moto_server',
  broken: (dir: string, reason: string) =>
    `the moto environment in ${dir} is broken (${reason}), also after recreating it: delete that folder ` +
    'and run again, or set MOTO_SERVER to a moto_server',
};

function lastLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? 'no output';
}

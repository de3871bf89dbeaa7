import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { MOTO_VERSION } from './moto-pin.ts';
import {
  type Command,
  isUsablePython,
  MOTO_VERSION_CODE,
  messages,
  PYTHON_NAMES,
  PYTHON_VERSION_CODE,
  parseVersion,
  pipIndexFailure,
  pipInstallCommand,
  pipStep,
  pythonInterpreterOf,
  type VenvLayout,
  type Version,
  venvCommand,
  venvLayout,
} from './moto-plan.ts';

/**
 * Runs local/moto-plan.ts's decisions: asks a moto_server's Python which moto it has, and installs the
 * pinned moto into a virtual environment under the user's cache, once, for every later run to reuse.
 * Processes get argument arrays, never a shell string.
 */
export interface ProvisionIo {
  readonly env: NodeJS.ProcessEnv;
  /** One line for the user (stderr by default: stdout carries the command's own output). */
  readonly log: (line: string) => void;
}

interface Ran {
  readonly code: number | null;
  readonly output: string;
}

function run(cmd: Command, env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd.file, [...cmd.args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let partial = '';
    const take = (b: Buffer) => {
      const text = b.toString();
      output = (output + text).slice(-16_000);
      if (!onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) => resolve({ code: null, output: e.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

export type MotoVersionReport =
  | { readonly kind: 'version'; readonly version: Version }
  /** not run by Python (a wrapper script, a binary): nothing to ask */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'broken'; readonly reason: string };

/** A script's first KiB: its first line, and pip's `'''exec'` line for long interpreter paths. */
export function scriptHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString();
  } finally {
    closeSync(fd);
  }
}

/** moto_server has no --version: ask the Python its first line names which moto it imports. */
export async function motoVersionOf(motoServer: string, env: NodeJS.ProcessEnv): Promise<MotoVersionReport> {
  let head: string;
  try {
    head = scriptHead(motoServer);
  } catch (e) {
    return { kind: 'broken', reason: (e as Error).message };
  }
  const interpreter = pythonInterpreterOf(head);
  if (!interpreter?.[0]) return { kind: 'unknown' };
  const [file, ...args] = interpreter;
  const ran = await run({ file, args: [...args, '-c', MOTO_VERSION_CODE] }, env);
  const version = ran.code === 0 ? parseVersion(ran.output) : undefined;
  if (!version) {
    return { kind: 'broken', reason: `its Python (${interpreter.join(' ')}) cannot import moto` };
  }
  return { kind: 'version', version };
}

/** Why the venv cannot be used as it is, or undefined when it can. */
async function venvProblem(
  venv: VenvLayout,
  env: NodeJS.ProcessEnv,
  opts: { requireMarker: boolean },
): Promise<string | undefined> {
  if (!existsSync(venv.dir)) return 'absent';
  if (opts.requireMarker && !existsSync(venv.marker)) return 'its installation did not finish';
  if (!existsSync(venv.motoServer)) return 'no bin/moto_server';
  const report = await motoVersionOf(venv.motoServer, env);
  if (report.kind === 'broken') return report.reason;
  if (report.kind === 'version' && report.version.text !== MOTO_VERSION)
    return `it holds moto ${report.version.text}, not ${MOTO_VERSION}`;
  return undefined;
}

/** The provisioned moto_server when it is there and whole; nothing is installed. */
export async function provisionedMotoServer(
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const venv = venvLayout(dir);
  return (await venvProblem(venv, env, { requireMarker: true })) ? undefined : venv.motoServer;
}

async function findPython(env: NodeJS.ProcessEnv): Promise<{ file: string; version: Version }> {
  for (const file of PYTHON_NAMES) {
    const ran = await run({ file, args: ['-c', PYTHON_VERSION_CODE] }, env);
    const version = ran.code === 0 ? parseVersion(ran.output) : undefined;
    if (version && isUsablePython(version)) return { file, version };
  }
  throw new Error(messages.noPython(PYTHON_NAMES));
}

async function install(venv: VenvLayout, python: { file: string; version: Version }, io: ProvisionIo) {
  const made = await run(venvCommand(python.file, venv.dir), io.env);
  if (made.code !== 0) {
    rmSync(venv.dir, { recursive: true, force: true });
    throw new Error(messages.venvFailed(python.file, python.version.text, venv.dir, made.output));
  }
  // A live status line on a terminal only (cli-progress draws nothing elsewhere); the log lines say the rest.
  const status = new cliProgress.SingleBar({
    format: '  {duration_formatted}  {step}',
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  });
  status.start(1, 0, { step: 'starting pip' });
  const pip = await run(pipInstallCommand(venv.python), io.env, (line) => {
    const step = pipStep(line);
    if (step) status.update({ step });
  }).finally(() => status.stop());
  if (pip.code !== 0) {
    rmSync(venv.dir, { recursive: true, force: true });
    const indexLine = pipIndexFailure(pip.output);
    throw new Error(indexLine ? messages.pipIndex(indexLine) : messages.pipFailed(pip.code, pip.output));
  }
}

/**
 * Install moto[server]==MOTO_VERSION into `dir` unless a whole one is there, and return its
 * moto_server. A broken environment is recreated once, then reported with the folder to delete.
 * A lock file beside it makes concurrent callers (test files run two at a time) wait for one install.
 */
export async function provisionMoto(dir: string, io: ProvisionIo): Promise<string> {
  const venv = venvLayout(dir);
  return withLock(`${dir}.lock`, dir, io, async () => {
    let problem = await venvProblem(venv, io.env, { requireMarker: true });
    if (!problem) return venv.motoServer;
    let recreated = false;
    const recreate = () => {
      io.log(`recreating the moto environment in ${dir}: ${problem}`);
      rmSync(dir, { recursive: true, force: true });
      recreated = true;
    };
    if (problem !== 'absent') recreate();
    const python = await findPython(io.env);
    for (;;) {
      const started = Date.now();
      io.log(
        `installing moto[server]==${MOTO_VERSION} into ${dir} with ${python.file} (Python ` +
          `${python.version.text}); once, later runs reuse it`,
      );
      await install(venv, python, io);
      problem = await venvProblem(venv, io.env, { requireMarker: false });
      if (!problem) {
        writeFileSync(venv.marker, `moto[server]==${MOTO_VERSION}\n`);
        io.log(`moto ${MOTO_VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s`);
        return venv.motoServer;
      }
      if (recreated) throw new Error(messages.broken(dir, problem));
      recreate();
    }
  });
}

async function withLock<T>(lock: string, dir: string, io: ProvisionIo, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lock), { recursive: true });
  // The pid is written to a file of our own and linked into place: the lock never exists half-written.
  const mine = `${lock}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(mine, String(process.pid));
  let told = false;
  for (;;) {
    try {
      linkSync(mine, lock);
      rmSync(mine, { force: true });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(readTextOr(lock, ''));
    if (holder === 0) continue; // released just now
    if (!isAlive(holder)) {
      rmSync(lock, { force: true }); // left by a run that died mid-install
      continue;
    }
    if (!told) io.log(`waiting for another ceb-grab (pid ${holder}) to finish installing moto into ${dir}`);
    told = true;
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readTextOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { installedCandidates, messages, motoServerCommand, motoSettings, PINNED_MAJOR } from './moto-plan.ts';
import { motoVersionOf, provisionedMotoServer, provisionMoto, scriptHead } from './moto-provision.ts';

/**
 * moto_server: the local AWS emulator (DynamoDB, SQS, KMS, Secrets Manager on one port), started on
 * loopback and stopped by PID. It is found (MOTO_SERVER, PATH, pyenv versions) or, on a machine without
 * one, installed once into the user's cache (local/moto-provision.ts). It runs through
 * local/moto_server_atomic.py, which makes each DynamoDB request atomic, as it is in AWS.
 */
export interface Moto {
  readonly endpoint: string;
  readonly pid: number;
  /** false only for a moto_server that is not a Python script: run as it is, without the lock */
  readonly atomicDynamoDb: boolean;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface MotoEnvOptions {
  /** where PATH, HOME, XDG_CACHE_HOME, MOTO_SERVER and CEB_GRAB_NO_PROVISION come from */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

const toStderr = (line: string) => process.stderr.write(`${line}\n`);

/** Beside this file in a clone and in the installed package alike. */
const ATOMIC_LAUNCHER = fileURLToPath(new URL('./moto_server_atomic.py', import.meta.url));

/**
 * The moto_server to run: MOTO_SERVER when set; else the first one installed on PATH or under pyenv
 * whose moto has the pinned major version; else the one provisioned under the user's cache, which is
 * installed now unless provisioning is off.
 */
export async function ensureMotoServer(opts: MotoEnvOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? toStderr;
  const settings = motoSettings(env, env.HOME || homedir());
  if (settings.explicit) {
    if (!existsSync(settings.explicit)) throw new Error(messages.explicitMissing(settings.explicit));
    const report = await motoVersionOf(settings.explicit, env);
    if (report.kind === 'version' && report.version.major !== PINNED_MAJOR)
      throw new Error(messages.explicitOtherMajor(settings.explicit, report.version.text));
    return settings.explicit;
  }
  const versionsDir = join(settings.pyenvRoot, 'versions');
  const pyenvVersions = existsSync(versionsDir) ? readdirSync(versionsDir) : [];
  for (const candidate of installedCandidates(settings, pyenvVersions)) {
    if (!existsSync(candidate)) continue;
    const report = await motoVersionOf(candidate, env);
    if (report.kind === 'unknown') return candidate;
    if (report.kind === 'broken') continue;
    if (report.version.major === PINNED_MAJOR) return candidate;
    log(`ignoring ${messages.otherMajor(candidate, report.version.text)}`);
  }
  const provisioned = await provisionedMotoServer(settings.venvDir, env);
  if (provisioned) return provisioned;
  if (!settings.provision) throw new Error(messages.notFound(settings));
  return provisionMoto(settings.venvDir, { env, log });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startMoto(
  opts: MotoEnvOptions & { port?: number; quiet?: boolean } = {},
): Promise<Moto> {
  const env = opts.env ?? process.env;
  const bin = await ensureMotoServer(opts);
  const port = opts.port ?? (await freePort());
  const command = motoServerCommand(bin, scriptHead(bin), ATOMIC_LAUNCHER, port);
  if (!command.atomicDynamoDb) (opts.log ?? toStderr)(messages.notAtomic(bin));
  const child: ChildProcess = spawn(command.file, [...command.args], {
    stdio: ['ignore', 'ignore', opts.quiet === false ? 'inherit' : 'pipe'],
    env: { ...env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`moto_server exited with ${child.exitCode ?? child.signalCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${endpoint} within 20 s: ${stderr}`);
    }
    await sleep(100);
  }
  // Up: moto logs a line per request from here on; drain it unread rather than keep a tail of it.
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume();
  const pid = child.pid ?? 0;
  return {
    endpoint,
    pid,
    atomicDynamoDb: command.atomicDynamoDb,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      // A process ended by a signal keeps exitCode null: signalCode says it is gone.
      const running = () => child.exitCode === null && child.signalCode === null;
      if (!running()) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(pid, 'SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (running()) process.kill(pid, 'SIGKILL');
    },
  };
}

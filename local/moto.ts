import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * moto_server: the local AWS emulator (DynamoDB, SQS, KMS, Secrets Manager on one port), started on
 * loopback and stopped by PID. It ships with the machine's pyenv Python and may not be on PATH.
 */
export interface Moto {
  readonly endpoint: string;
  readonly pid: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (env.MOTO_SERVER) candidates.push(env.MOTO_SERVER);
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'moto_server'));
  const pyenv = join(env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  if (existsSync(pyenv)) {
    for (const v of readdirSync(pyenv).sort().reverse())
      candidates.push(join(pyenv, v, 'bin', 'moto_server'));
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(
      'moto_server not found: it is the local AWS emulator this project runs on. Looked on PATH and under ' +
        `${pyenv}/*/bin. Install it with \`pip install 'moto[server]'\` or point MOTO_SERVER at it.`,
    );
  }
  return found;
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

export async function startMoto(opts: { port?: number; quiet?: boolean } = {}): Promise<Moto> {
  const bin = findMotoServer();
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', opts.quiet === false ? 'inherit' : 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
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
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(pid, 'SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null) process.kill(pid, 'SIGKILL');
    },
  };
}

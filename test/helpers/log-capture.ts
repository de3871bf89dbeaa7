import { spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { parsePrivateKey } from '#core/crypto/private-key.ts';

/**
 * What the product writes where an operator (or CloudWatch) reads it. In-process: everything
 * written to process.stdout / process.stderr as text (the Powertools logger and metrics, the CLI's
 * own output) is kept and not shown, while the test runner's own messages, which it writes as
 * Buffers, pass through untouched. Child processes: their stdout and stderr.
 */
export interface Capture {
  /** everything captured so far */
  text(): string;
  stop(): void;
}

type Write = typeof process.stdout.write;

export function captureOutput(): Capture {
  const chunks: string[] = [];
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const tap = (stream: NodeJS.WriteStream, original: Write): Write =>
    function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk === 'string') {
        chunks.push(chunk);
        if (process.env.CEB_GRAB_SHOW_CAPTURED) return original.call(stream, chunk, ...(rest as []));
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }
      return original.call(stream, chunk as Uint8Array, ...(rest as []));
    } as Write;
  process.stdout.write = tap(process.stdout, originals.stdout);
  process.stderr.write = tap(process.stderr, originals.stderr);
  return {
    text: () => chunks.join(''),
    stop: () => {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    },
  };
}

/** Run a command to its end (or until `stop` says so) and keep all it printed. */
export function runCaptured(
  command: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env ?? process.env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      output += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * The forms a private key could leak in: each line of its PEM body (a log may escape the line
 * breaks), the whole body on one line, and its secret scalar in hex (SM2 d; RSA d) either case.
 */
export function privateKeyForms(privateKeyPem: string): string[] {
  const body = privateKeyPem.replace(/-----[^-]+-----/g, '').trim();
  const lines = body.split(/\s+/).filter((l) => l.length >= 16);
  const key = parsePrivateKey(privateKeyPem);
  let scalar: string;
  if (key.algorithm === 'SM3withSM2') scalar = key.privateKeyHex;
  else {
    const jwk = createPrivateKey(privateKeyPem).export({ format: 'jwk' });
    scalar = Buffer.from(jwk.d ?? '', 'base64url').toString('hex');
  }
  return [...lines, body.replace(/\s+/g, ''), scalar.toLowerCase(), scalar.toUpperCase()];
}

/** The secrets found in a text, by name (an empty list when it is clean). */
export function leaks(text: string, secrets: Readonly<Record<string, readonly string[]>>): string[] {
  const found: string[] = [];
  for (const [name, values] of Object.entries(secrets)) {
    for (const value of values) {
      if (value.length < 4)
        throw new Error(`secret ${name} is too short to look for: ${value.length} characters`);
      if (text.includes(value) || text.includes(JSON.stringify(value).slice(1, -1))) {
        found.push(`${name} (${value.slice(0, 6)}…)`);
        break;
      }
    }
  }
  return found;
}

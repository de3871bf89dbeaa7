import { localEnv, readStackFile, stackFilePath } from '#local/stack-file.ts';

/**
 * Which stack a CLI command talks to: the environment when it names the tables (a deployed
 * stack, with the caller's AWS credentials), else the local stack `npm start` is running.
 */
export function useTarget(required: readonly string[] = ['SESSIONS_TABLE']): 'environment' | 'local' {
  if (required.every((k) => process.env[k])) return 'environment';
  const info = readStackFile();
  if (!info) {
    throw new Error(
      `no local stack is running (no live ${stackFilePath()}): start one with \`npm start\` in another ` +
        `terminal, or set ${required.join(', ')} (and AWS credentials) to use a deployed stack`,
    );
  }
  Object.assign(process.env, localEnv(info));
  return 'local';
}

/** Print an error the way every command does and set the exit code. */
export function fail(message: string, code = 2): void {
  process.stderr.write(`ceb-grab: ${message}\n`);
  process.exitCode = code;
}

import type { OperatorTarget } from '#functions/composition/operator.ts';
import { namesOperatorSettings, type OperatorSetting } from '#functions/config.ts';
import { localAws, localEnv, readStackFile, stackFilePath } from '#local/stack-file.ts';

/** The stack a command works on, and what to call it in a report. */
export interface CliTarget extends OperatorTarget {
  readonly kind: 'environment' | 'local';
  /** the local stack's AWS endpoint, for reports */
  readonly endpoint?: string;
}

/**
 * Which stack a CLI command talks to: the environment when it names the tables (a deployed
 * stack, with the caller's AWS credentials), else the local stack `npm start` is running, whose
 * settings and endpoint come from its stack file. Nothing is written into the environment.
 */
export function resolveTarget(required: readonly OperatorSetting[] = ['SESSIONS_TABLE']): CliTarget {
  if (namesOperatorSettings(required)) return { kind: 'environment' };
  const info = readStackFile();
  if (!info) {
    throw new Error(
      `no local stack is running (no live ${stackFilePath()}): start one with \`npm start\` in another ` +
        `terminal, or set ${required.join(', ')} (and AWS credentials) to use a deployed stack`,
    );
  }
  return { kind: 'local', env: localEnv(info), aws: localAws(info), endpoint: info.endpoint };
}

/** The operator root for a target; loaded on use, so commands that need no AWS do not pay for the SDK. */
export async function operatorFor(target: CliTarget) {
  const { operatorRoot } = await import('#functions/composition/operator.ts');
  return operatorRoot(target);
}

/** Print an error the way every command does and set the exit code. */
export function fail(message: string, code = 2): void {
  process.stderr.write(`ceb-grab: ${message}\n`);
  process.exitCode = code;
}

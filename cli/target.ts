import type { StackOptions } from '#cli/options.ts';
import { CebGrabError } from '#core/errors.ts';
import type { OperatorTarget } from '#functions/composition/operator.ts';
import { namesOperatorSettings, type OperatorSetting } from '#functions/config.ts';
import { localAws, localEnv, readStackFile, stackFilePath } from '#local/stack-file.ts';

/** The stack a command works on, and what to call it in a report. */
export interface CliTarget extends OperatorTarget {
  readonly kind: 'environment' | 'local' | 'stage';
  /** the local stack's AWS endpoint, for reports */
  readonly endpoint?: string;
  /** a deployed stage's name, stack and region, for reports */
  readonly stage?: { readonly name: string; readonly stackName: string; readonly region: string };
}

/**
 * The stack named could not be reached or read (a stage not deployed, an output missing, no
 * credentials): not a usage error, so the command exits 1.
 */
export class TargetError extends CebGrabError {
  readonly retryable = false;
}

/**
 * Which stack a CLI command talks to: with `--stage`, that deployed stage, found by its stack's
 * outputs; else the environment when it names the tables (a deployed stack, with the caller's AWS
 * credentials); else the local stack `npm start` is running, whose settings and endpoint come from
 * its stack file. Nothing is written into the environment.
 */
export async function resolveTarget(
  required: readonly OperatorSetting[] = ['SESSIONS_TABLE'],
  stack: StackOptions = {},
): Promise<CliTarget> {
  const aws = {
    ...(stack.region === undefined ? {} : { region: stack.region }),
    ...(stack.profile === undefined ? {} : { profile: stack.profile }),
  };
  if (stack.stage !== undefined) {
    // Loaded on use: the CloudFormation client only when a stage is named.
    const { stageTarget } = await import('#cli/stage.ts');
    return stageTarget(stack.stage, aws, required);
  }
  if (namesOperatorSettings(required)) return { kind: 'environment', aws };
  if (stack.region !== undefined || stack.profile !== undefined) {
    throw new Error(
      `--region and --profile choose a deployed stage's account: name it with --stage (or set ${required.join(', ')})`,
    );
  }
  const info = readStackFile();
  if (!info) {
    throw new Error(
      `no local stack is running (no live ${stackFilePath()}): start one with \`npm start\` in another ` +
        `terminal, name a deployed one with --stage <name>, or set ${required.join(', ')} (and AWS credentials)`,
    );
  }
  return { kind: 'local', env: localEnv(info), aws: localAws(info), endpoint: info.endpoint };
}

/** What a report calls the target: "stage test (CebGrab-test-Stateful, cn-north-1)". */
export function describeTarget(target: CliTarget): string | undefined {
  if (target.stage) return `stage ${target.stage.name} (${target.stage.stackName}, ${target.stage.region})`;
  if (target.endpoint) return `the local stack (${target.endpoint})`;
  return undefined;
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

/** A command's error: 1 when the stack could not be reached or read, else 2 (usage or input). */
export function failWith(error: unknown): void {
  fail(error instanceof Error ? error.message : String(error), error instanceof TargetError ? 1 : 2);
}

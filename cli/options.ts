import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';

/** Option parsers and file reading shared by the CLI commands, with messages a person can act on. */

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is 0 to 65535');
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number >= 1');
  return n;
}

export function parseNonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

/** A file's text, or standard input for `-`; the error names what was being read. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`cannot read ${what} from ${path === '-' ? 'stdin' : path}: ${reason}`);
  }
}

/** Which stack an operator command works on: a deployed stage by name, in an account and region. */
export interface StackOptions {
  readonly stage?: string;
  readonly region?: string;
  readonly profile?: string;
}

/**
 * An operator command: one that reads or changes a stack's tables and queues. Every such command is
 * declared through here, so each takes the same `--stage`, `--region` and `--profile`.
 */
export function operatorCommand(parent: Command, name: string): Command {
  const group = 'Which stack:';
  return parent
    .command(name)
    .addOption(
      new Option(
        '--stage <name>',
        'a deployed stage, e.g. test or prod, found by its stack outputs (default: the tables the ' +
          'environment names, else the running local stack)',
      )
        .argParser(parseStageName)
        .helpGroup(group),
    )
    .addOption(
      new Option('--region <region>', "the stage's AWS region (default: AWS_REGION, or the profile's)")
        .argParser(parseRegion)
        .helpGroup(group),
    )
    .addOption(
      new Option('--profile <name>', 'the AWS profile (~/.aws/config) whose credentials to use').helpGroup(
        group,
      ),
    );
}

/** A stage name becomes part of a CloudFormation stack name: letters, digits and hyphens. */
export function parseStageName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/.test(value)) {
    throw new InvalidArgumentError('a stage name is letters, digits and hyphens, e.g. test or prod');
  }
  return value;
}

export function parseRegion(value: string): string {
  if (!/^[a-z]{2,}(?:-[a-z]+)+-\d+$/.test(value)) {
    throw new InvalidArgumentError('a region looks like cn-north-1 or eu-central-1');
  }
  return value;
}

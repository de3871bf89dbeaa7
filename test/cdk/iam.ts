import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { HouseFunction } from '../../lib/constructs/house-function.ts';

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

export const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** The logical ID of an L2 construct's CloudFormation resource in `stack`. */
export const logicalId = (stack: Stack, construct: IConstruct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** Whether `needle` (e.g. a table ARN reference) occurs anywhere inside `haystack`. */
export function mentions(haystack: unknown, needle: unknown): boolean {
  if (isDeepStrictEqual(haystack, needle)) return true;
  if (haystack === null || typeof haystack !== 'object') return false;
  return Object.values(haystack).some((v) => mentions(v, needle));
}

/** Every statement of every policy attached to the function's role. */
export function statementsOf(template: Template, stack: Stack, fn: HouseFunction): Statement[] {
  const role = { Ref: logicalId(stack, fn.executionRole) };
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => list(p.Properties.Roles).some((r) => isDeepStrictEqual(r, role)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const isHousekeeping = (s: Statement) => list(s.Action).every((a) => a.startsWith('logs:'));

/**
 * What the function may do beyond writing its own logs, as `action resource` pairs, sorted: one pair
 * per action and resource, so a test reads like the policy an auditor reads and fails on anything extra.
 */
export function grantsOf(
  template: Template,
  stack: Stack,
  fn: HouseFunction,
  name: (resource: unknown) => string,
): string[] {
  const statements = statementsOf(template, stack, fn);
  for (const s of statements) assert.equal(s.Effect, 'Allow');
  return statements
    .filter((s) => !isHousekeeping(s))
    .flatMap((s) => list(s.Action).flatMap((a) => list(s.Resource).map((r) => `${a} ${name(r)}`)))
    .sort();
}

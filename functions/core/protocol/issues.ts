import type * as v from 'valibot';
import type { FieldIssue } from '../errors.ts';

/** valibot issues -> `{path, rule}` with paths like `payExchangeInfoLists[1].goodsInfo[0].gname`. */
export function toFieldIssues(issues: readonly v.BaseIssue<unknown>[]): FieldIssue[] {
  return issues.map((issue) => ({ path: pathOf(issue), rule: issue.message }));
}

function pathOf(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.rule}`).join('; ');
}

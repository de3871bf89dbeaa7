import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../lib/repo-root.ts';

/**
 * Every dependency in package.json is imported by some file of the repo (product, CLI, CDK, tests,
 * bench or scripts), or is one of the few listed below with what uses it. A dependency nobody imports
 * is weight in `npm ci`, in audits and, for the Lambda bundles, in what a reader must rule out.
 */

/** Used by commands, not imports. */
const TOOLS: Readonly<Record<string, string>> = {
  '@biomejs/biome': 'biome: npm run lint, npx biome ci .',
  typescript: 'tsc: npm run typecheck',
  'aws-cdk': 'the cdk CLI: npm run synth, cdk deploy',
};

/** Loaded at run time by a package we import (its optional peer), never imported by name. */
const PEERS: Readonly<Record<string, string>> = {
  '@aws-sdk/client-ssm': '@aws-lambda-powertools/parameters/ssm',
};

const SKIPPED_DIRS = new Set(['node_modules', 'cdk.out', 'coverage']);
const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || SKIPPED_DIRS.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return SOURCE.test(e.name) ? [path] : [];
  });
}

/** Bare module specifiers: `from 'x'`, `import 'x'`, `import('x')`, `require('x')`. */
function specifiersIn(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom|\bimport|\brequire\()\s*\(?\s*['"]([^'"./#][^'"]*)['"]/g)].map(
    (m) => m[1] ?? '',
  );
}

const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
const specifiers = new Set(sourceFiles(REPO_ROOT).flatMap((f) => specifiersIn(readFileSync(f, 'utf8'))));
const imported = new Set([...specifiers].map(packageOf));

describe('dependencies', () => {
  it('the scan sees the imports of the product, the CLI, the CDK app and the tests', () => {
    for (const name of ['valibot', 'aws-cdk-lib', 'commander', 'fast-check', 'tsx']) {
      assert.ok(imported.has(name), `${name} not found: the scan is missing files`);
    }
  });

  it('every dependency in package.json is imported by some file, or is a listed tool or peer', () => {
    const unused = declared.filter((name) => {
      if (imported.has(name) || name in TOOLS) return false;
      if (name in PEERS) return !specifiers.has(PEERS[name] ?? '');
      // Type declarations are used when their package is: @types/ws by `ws`, @types/node by `node:*`.
      if (name.startsWith('@types/')) {
        const typed = name.slice('@types/'.length);
        return typed === 'node' ? ![...specifiers].some((s) => s.startsWith('node:')) : !imported.has(typed);
      }
      return true;
    });
    assert.deepEqual(unused, [], `imported by no file: remove from package.json (${unused.join(', ')})`);
  });

  it('the listed tools and peers are dependencies (the lists do not outlive them)', () => {
    for (const name of [...Object.keys(TOOLS), ...Object.keys(PEERS)]) {
      assert.ok(declared.includes(name), `${name} is listed here but not in package.json`);
    }
  });
});

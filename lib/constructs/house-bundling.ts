/**
 * How HouseFunction has esbuild bundle a function, in esbuild's own terms: HouseFunction passes these
 * to NodejsFunction and bench/sections/bundles.ts to esbuild, so the bench measures what deploys.
 * No CDK import here, so the bench can load it cheaply.
 */

/** ESM bundles still meet CommonJS dependencies that call `require`; give them one. */
export const REQUIRE_BANNER =
  "import { createRequire as __houseCreateRequire } from 'node:module'; const require = __houseCreateRequire(import.meta.url);";

/**
 * Parts of the AWS SDK that it loads only through `import()`, on paths our functions never take, left
 * out of the bundles (a test checks nothing imports them statically), so they cost nothing at init.
 * If ever reached they resolve to the Lambda runtime's copy (Node.js 18+ runtimes resolve ES module
 * imports through NODE_PATH). What our functions run stays bundled at the versions in package-lock.json.
 * Local runs and tests import the sources, not the bundles, and keep all of them.
 */
export const LAZY_SDK_MODULES = [
  // @aws-sdk/credential-provider-node's default chain imports the providers after `fromEnv` on
  // demand, each only when the one before found nothing; Lambda always gives the role's keys in the
  // environment, so `fromEnv` answers. The STS / SSO clients and token providers serve only these.
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  // Event stream (de)serialization, for operations with event streams: DynamoDB, SQS, KMS, Secrets
  // Manager and SSM have none.
  '@smithy/core/event-streams',
] as const;

/** The esbuild options, for `esbuild.build` (the bench) and, translated, NodejsFunction's `bundling`. */
export const HOUSE_BUNDLING = {
  platform: 'node',
  /** Lambda's nodejs22.x */
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: REQUIRE_BANNER,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // The dependencies' `/*! ... License */` notices go to index.mjs.LEGAL.txt beside the bundle: kept
  // with it, not parsed at every cold start (about 1 KB in the worker).
  legalComments: 'external',
  // Everything else is bundled, the AWS SDK too: the versions in package-lock.json are the ones tested.
  external: LAZY_SDK_MODULES,
} as const;

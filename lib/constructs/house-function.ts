import { join } from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  LogLevel,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { REPO_ROOT } from '../repo-root.ts';

/**
 * How a function may use a table. Exact actions rather than `grantReadData`/`grantWriteData`, so the
 * policy an auditor reads is what the code does: no Scan, no DeleteItem, no batch or transactional writes.
 */
export type TableAccess = 'read' | 'write' | 'read-update';

/** Reads cover the table and its indexes; writes only the table (indexes are never written to). */
const TABLE_ACCESS: Readonly<
  Record<TableAccess, { readonly read: boolean; readonly write: readonly string[] }>
> = {
  read: { read: true, write: [] },
  write: { read: false, write: ['dynamodb:PutItem', 'dynamodb:UpdateItem'] },
  'read-update': { read: true, write: ['dynamodb:UpdateItem'] },
};
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;

/**
 * The parts of a table and a secret the helpers use. Narrower than ITable/ISecret on purpose: under
 * `exactOptionalPropertyTypes` a concrete `Table` or `Secret` is not assignable to its own interface.
 */
export type BindableTable = Pick<ITable, 'tableArn' | 'tableName' | 'grant'>;
export type BindableSecret = Pick<ISecret, 'secretArn' | 'grantRead'>;

/** ESM bundles still meet CommonJS dependencies that call `require`; give them one. */
const REQUIRE_BANNER =
  "import { createRequire as __houseCreateRequire } from 'node:module'; const require = __houseCreateRequire(import.meta.url);";

export interface HouseFunctionProps {
  /** The Lambda entry, relative to the repository root, e.g. `functions/grab-request/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default 'ceb-grab' (POWERTOOLS_SERVICE_NAME) */
  readonly serviceName?: string;
  /** Plain settings; resources are added with the bind helpers, which also grant access. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Escape hatch for anything the house defaults do not cover. */
  readonly overrides?: Partial<NodejsFunctionProps>;
}

/**
 * The house Lambda function: Node.js on ARM64, bundled with the project's own esbuild (never Docker)
 * into minified ESM with source maps, X-Ray tracing on, and its own log group with a retention.
 * Tables, queues and secrets are attached with `bindTable`/`bindQueue`/`bindSecret`, which grant
 * exactly the stated access and set the environment variable the function reads, in one call.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    // Created beside the function (not inside it) because `this` does not exist before super().
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    super(scope, id, {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'ceb-grab',
        POWERTOOLS_METRICS_NAMESPACE: 'CebGrab',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // Bundle the AWS SDK too: the versions in package-lock.json are the ones tested.
        externalModules: [],
        logLevel: LogLevel.WARNING,
      },
      ...props.overrides,
    });
  }

  /** Grant `access` to `table` and pass its name in `env`. */
  bindTable(opts: {
    readonly table: BindableTable;
    readonly env: string;
    readonly access: TableAccess;
  }): this {
    const access = TABLE_ACCESS[opts.access];
    if (access.read) opts.table.grant(this, ...READ_ACTIONS);
    if (access.write.length > 0) {
      Grant.addToPrincipal({
        grantee: this,
        actions: [...access.write],
        resourceArns: [opts.table.tableArn],
      });
    }
    this.addEnvironment(opts.env, opts.table.tableName);
    return this;
  }

  /** Allow sending to `queue` and pass its URL in `env`. */
  bindQueue(opts: { readonly queue: IQueue; readonly env: string; readonly access: 'send' }): this {
    opts.queue.grantSendMessages(this);
    this.addEnvironment(opts.env, opts.queue.queueUrl);
    return this;
  }

  /** Allow reading `secret` (GetSecretValue, DescribeSecret on that secret only) and pass its ARN in `env`. */
  bindSecret(opts: { readonly secret: BindableSecret; readonly env: string }): this {
    opts.secret.grantRead(this);
    this.addEnvironment(opts.env, opts.secret.secretArn);
    return this;
  }
}

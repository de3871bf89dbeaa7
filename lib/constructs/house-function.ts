import { join } from 'node:path';
import { type Duration, Stack } from 'aws-cdk-lib';
import { Grant, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  LogLevel,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { METRIC_NAMESPACE, SERVICE_NAME } from '#core/metric-names.ts';
import { REPO_ROOT } from '../repo-root.ts';
import type { WorkerNetwork } from '../stage-config.ts';
import {
  type BindableSecret,
  type BindableTable,
  KEY_ACTIONS,
  TABLE_ACCESS,
  type TableAccess,
} from './grants.ts';
import { HOUSE_BUNDLING } from './house-bundling.ts';

export type { BindableSecret, BindableTable, TableAccess } from './grants.ts';

export interface HouseFunctionProps {
  /** The Lambda entry, relative to the repository root, e.g. `functions/grab-request/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default SERVICE_NAME (POWERTOOLS_SERVICE_NAME; also the `service` dimension of every metric) */
  readonly serviceName?: string;
  /** Plain settings; resources are added with the bind helpers, which also grant access. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Escape hatch for anything the house defaults do not cover. */
  readonly overrides?: Partial<NodejsFunctionProps>;
}

const QUEUE_ACTIONS = {
  send: 'sqs:SendMessage',
  peek: 'sqs:ReceiveMessage',
  redeliver: 'sqs:ChangeMessageVisibility',
} as const;

/**
 * The house Lambda function: Node.js on ARM64, bundled with the project's own esbuild (never Docker)
 * into minified ESM with source maps, and its own log group with a retention. No X-Ray tracing: the
 * Powertools Tracer would pull aws-xray-sdk-core into bundles already over their size target (README).
 * Its role starts empty apart from writing to that log group (no AWSLambdaBasicExecutionRole, which
 * allows any log group); tables, queues, secrets and keys are attached with the `bind*` helpers, which
 * grant exactly the stated actions on exactly that resource and set the environment variable the
 * function reads, in one call.
 */
export class HouseFunction extends NodejsFunction {
  /** The function's own log group (NodejsFunction#logGroup would be an ILogGroup). */
  readonly functionLogs: LogGroup;
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    // Created beside the function (not inside it) because `this` does not exist before super().
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ceb-grab ${id}: only what the function uses`,
    });
    logGroup.grantWrite(role);
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
      logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        ...props.environment,
      },
      // HOUSE_BUNDLING, which the bench builds with too (bench/sections/bundles.ts).
      bundling: {
        forceDockerBundling: false,
        target: HOUSE_BUNDLING.target,
        format: OutputFormat.ESM,
        mainFields: [...HOUSE_BUNDLING.mainFields],
        banner: HOUSE_BUNDLING.banner,
        minify: HOUSE_BUNDLING.minify,
        sourceMap: HOUSE_BUNDLING.sourcemap,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: HOUSE_BUNDLING.sourcesContent,
        externalModules: [...HOUSE_BUNDLING.external],
        esbuildArgs: { '--legal-comments': HOUSE_BUNDLING.legalComments },
        logLevel: LogLevel.WARNING,
      },
      ...props.overrides,
    });
    this.functionLogs = logGroup;
    this.executionRole = role;
    NagSuppressions.addResourceSuppressions(this, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 on purpose: the runtime the bundles target and the tests run on; the next LTS is adopted deliberately, once checked in the China regions.',
      },
    ]);
  }

  /** Grant `access` to `table` (and its key) and pass the table's name in `env`. */
  bindTable(opts: {
    readonly table: BindableTable;
    readonly env: string;
    readonly access: TableAccess;
  }): this {
    const access: (typeof TABLE_ACCESS)[TableAccess] = TABLE_ACCESS[opts.access];
    if (access.read.length > 0) {
      // Table.grant covers the indexes too (`<table>/index/*`) when the table has any.
      opts.table.grant(this, ...access.read);
      NagSuppressions.addResourceSuppressions(
        this.executionRole,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason: 'Reads of the table’s own global secondary indexes (<table ARN>/index/*), nothing wider.',
            appliesTo: [{ regex: '/^Resource::.*\\/index\\/\\*$/g' }],
          },
        ],
        true,
      );
    }
    if (access.write.length > 0) {
      Grant.addToPrincipal({
        grantee: this,
        actions: [...access.write],
        resourceArns: [opts.table.tableArn],
      });
    }
    if (access.deletePrefix !== undefined) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:DeleteItem'],
          resources: [opts.table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${access.deletePrefix}*`] },
          },
        }),
      );
    }
    if (opts.table.encryptionKey) {
      const writes = access.write.length > 0;
      this.bindKey(opts.table.encryptionKey, writes ? KEY_ACTIONS.dynamodbWrite : KEY_ACTIONS.dynamodbRead);
      if (writes) {
        const reason =
          'DynamoDB’s calls to the table’s customer-managed key on behalf of a writer, as aws-cdk-lib’s own table ' +
          'grants them, on that one key only.';
        NagSuppressions.addResourceSuppressions(
          this.executionRole,
          [
            {
              id: 'AwsSolutions-IAM5',
              reason,
              appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
            },
          ],
          true,
        );
      }
    }
    this.addEnvironment(opts.env, opts.table.tableName);
    return this;
  }

  /**
   * Allow SendMessage to `queue`, or (`peek`) ReceiveMessage without deleting, and its key; pass its URL
   * in `env`.
   */
  bindQueue(opts: {
    readonly queue: IQueue;
    readonly env: string;
    /** redeliver: change a received message's visibility (bring a failed one back sooner) */
    readonly access: 'send' | 'peek' | 'redeliver';
  }): this {
    const send = opts.access === 'send';
    Grant.addToPrincipal({
      grantee: this,
      actions: [QUEUE_ACTIONS[opts.access]],
      resourceArns: [opts.queue.queueArn],
    });
    // Changing a message's visibility reads and writes no message body: no key needed.
    if (opts.queue.encryptionMasterKey && opts.access !== 'redeliver')
      this.bindKey(opts.queue.encryptionMasterKey, send ? KEY_ACTIONS.sqsSend : KEY_ACTIONS.decrypt);
    this.addEnvironment(opts.env, opts.queue.queueUrl);
    return this;
  }

  /** Allow GetSecretValue on `secret` only (and Decrypt with its key) and pass its ARN in `env`. */
  bindSecret(opts: { readonly secret: BindableSecret; readonly env: string; readonly key?: IKey }): this {
    Grant.addToPrincipal({
      grantee: this,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [opts.secret.secretArn],
    });
    const key = opts.key ?? opts.secret.encryptionKey;
    if (key) this.bindKey(key, KEY_ACTIONS.decrypt);
    this.addEnvironment(opts.env, opts.secret.secretArn);
    return this;
  }

  /** Allow GetParameter on one SSM parameter (SecureString: Decrypt with `key` when it is a customer key). */
  bindParameter(opts: { readonly parameterName: string; readonly env: string; readonly key?: IKey }): this {
    const parameterArn = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: opts.parameterName.replace(/^\//, ''),
    });
    Grant.addToPrincipal({ grantee: this, actions: ['ssm:GetParameter'], resourceArns: [parameterArn] });
    if (opts.key) this.bindKey(opts.key, KEY_ACTIONS.decrypt);
    this.addEnvironment(opts.env, opts.parameterName);
    return this;
  }

  /** Allow signing with exactly these asymmetric KMS keys (Sign, GetPublicKey, DescribeKey). */
  bindSigningKeys(keyArns: readonly string[]): this {
    if (keyArns.length > 0) {
      Grant.addToPrincipal({ grantee: this, actions: [...KEY_ACTIONS.sign], resourceArns: [...keyArns] });
    }
    return this;
  }

  /** Exactly `actions` on `key`, through the role (the keys trust IAM policies of their account). */
  bindKey(key: IKey, actions: readonly string[]): this {
    Grant.addToPrincipal({ grantee: this, actions: [...actions], resourceArns: [key.keyArn] });
    return this;
  }

  /** Put the function in existing subnets with existing security groups (to reach a private signing proxy). */
  placeInNetwork(network: WorkerNetwork): this {
    // The L1 property: Lambda needs only the subnets and security groups, and importing a whole VPC
    // would want its availability zones, which only a lookup (an account) could give.
    (this.node.defaultChild as CfnFunction).vpcConfig = {
      subnetIds: [...network.subnetIds],
      securityGroupIds: [...network.securityGroupIds],
    };
    this.executionRole.addManagedPolicy(
      ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
    );
    NagSuppressions.addResourceSuppressions(this.executionRole, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSLambdaVPCAccessExecutionRole: the network-interface actions Lambda needs to attach the function to the configured subnets.',
        appliesTo: [
          'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
        ],
      },
    ]);
    return this;
  }
}

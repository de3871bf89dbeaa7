import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

/**
 * Typed configuration per deployment stage, chosen with `-c stage=NAME` (default `test`).
 * Everything that differs between environments lives here, so the stacks stay free of `if (prod)`.
 */
export const STAGE_NAMES = ['test', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface StageConfig {
  readonly stage: StageName;
  /** Customs' realTimeDataUpload endpoint the worker posts to. */
  readonly customsUploadUrl: string;
  /** Retention of function logs and API access logs. */
  readonly logRetention: RetentionDays;
  /** API Gateway stage throttling (requests per second, burst). Customs sends one grab per order. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
}

export const STAGES: Readonly<Record<StageName, StageConfig>> = {
  test: {
    stage: 'test',
    customsUploadUrl: 'https://swapptest.singlewindow.cn/ceb2grab/grab/realTimeDataUpload',
    logRetention: RetentionDays.ONE_MONTH,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
  },
  prod: {
    stage: 'prod',
    customsUploadUrl: 'https://customs.chinaport.gov.cn/ceb2grab/grab/realTimeDataUpload',
    logRetention: RetentionDays.SIX_MONTHS,
    apiThrottle: { rateLimit: 200, burstLimit: 400 },
  },
};

const isStageName = (name: string): name is StageName => (STAGE_NAMES as readonly string[]).includes(name);

/**
 * The stage picked by CDK context: `stage` (default `test`) and an optional `customsUrl` override.
 * Fails synthesis with a readable message rather than deploying a half-configured stage.
 */
export function stageConfigFromContext(node: Node): StageConfig {
  const stage = String(node.tryGetContext('stage') ?? 'test');
  if (!isStageName(stage)) {
    throw new Error(`unknown stage "${stage}": use -c stage=${STAGE_NAMES.join('|')}`);
  }
  const config = STAGES[stage];
  const customsUrl: unknown = node.tryGetContext('customsUrl');
  if (customsUrl === undefined) return config;
  if (typeof customsUrl !== 'string' || !URL.canParse(customsUrl)) {
    throw new Error(`customsUrl must be an absolute URL, got ${JSON.stringify(customsUrl)}`);
  }
  return { ...config, customsUploadUrl: customsUrl };
}

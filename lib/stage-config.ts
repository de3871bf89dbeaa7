import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { RETENTION_DAYS } from '#core/settings.ts';
import { STAGE_NAMES, type StageConfig, type StageName, validateStageConfig } from './stage-config-schema.ts';

export type {
  HsmProxyToken,
  SignerSettings,
  StageConfig,
  StageName,
  WorkerNetwork,
} from './stage-config-schema.ts';
export { STAGE_NAMES } from './stage-config-schema.ts';

/**
 * Typed configuration per deployment stage, chosen with `-c stage=NAME` (default `test`).
 * Everything that differs between environments lives here, so the stacks stay free of `if (prod)`.
 * A platform deploying this edits the two entries below (source ranges, alarm e-mail, signer), or
 * overrides a few of them per run with context (see `stageConfigFromContext`).
 */
export const STAGES: Readonly<Record<StageName, StageConfig>> = {
  test: {
    stage: 'test',
    // No region: the stacks are environment-agnostic and go where the CLI profile points (e.g. cn-north-1).
    customsUploadUrl: 'https://swapptest.singlewindow.cn/ceb2grab/grab/realTimeDataUpload',
    // Customs publishes these to registered enterprises; until they are set nobody reaches platDataOpen.
    customsSourceRanges: [],
    alarms: { emails: [] },
    signer: { kind: 'soft' },
    logRetention: RetentionDays.ONE_MONTH,
    retainData: true,
    // Days kept after the payment's tradingTime (DynamoDB TTL): three years by default, the least prod may keep.
    retentionDays: RETENTION_DAYS,
    apiThrottle: { rateLimit: 50, burstLimit: 100 },
    plainHttpFront: false,
  },
  prod: {
    stage: 'prod',
    customsUploadUrl: 'https://customs.chinaport.gov.cn/ceb2grab/grab/realTimeDataUpload',
    customsSourceRanges: [],
    alarms: { emails: [] },
    // A soft key works anywhere; most enterprises move to `hsm-proxy` (Ukey / crypto device) or `kms` (SM2).
    signer: { kind: 'soft' },
    logRetention: RetentionDays.SIX_MONTHS,
    retainData: true,
    // Three years (E-Commerce Law art. 31); less is refused at synth.
    retentionDays: RETENTION_DAYS,
    apiThrottle: { rateLimit: 200, burstLimit: 400 },
    plainHttpFront: false,
  },
};

const isStageName = (name: string): name is StageName => (STAGE_NAMES as readonly string[]).includes(name);

/** A comma-separated context value (`-c alarmEmail=a@x,b@y`) as a list; a JSON array is accepted too. */
function listFromContext(node: Node, key: string): readonly string[] | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw;
  if (typeof raw !== 'string') throw new Error(`${key} must be a comma-separated list`);
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function stringFromContext(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new Error(`${key} must be a string, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * The stage picked by CDK context, with per-run overrides:
 * `stage` (default `test`), `customsUrl`, `region`, `customsSourceRanges` (CIDRs), `alarmEmail`,
 * `plainHttpFront` (`true` adds the CloudFront front), `retentionDays` (whole days; prod: at least three years). Fails synthesis with every problem named,
 * rather than deploying a half-configured stage.
 */
export function stageConfigFromContext(node: Node): StageConfig {
  const stage = String(node.tryGetContext('stage') ?? 'test');
  if (!isStageName(stage)) {
    throw new Error(`unknown stage "${stage}": use -c stage=${STAGE_NAMES.join('|')}`);
  }
  const base = STAGES[stage];
  const customsUrl = stringFromContext(node, 'customsUrl');
  if (customsUrl !== undefined && !URL.canParse(customsUrl)) {
    throw new Error(`customsUrl must be an absolute URL, got ${JSON.stringify(customsUrl)}`);
  }
  const region = stringFromContext(node, 'region');
  const ranges = listFromContext(node, 'customsSourceRanges');
  const emails = listFromContext(node, 'alarmEmail');
  const front: unknown = node.tryGetContext('plainHttpFront');
  const retention: unknown = node.tryGetContext('retentionDays');
  const config: StageConfig = {
    ...base,
    ...(customsUrl === undefined ? {} : { customsUploadUrl: customsUrl }),
    ...(region === undefined ? {} : { region }),
    ...(ranges === undefined ? {} : { customsSourceRanges: ranges }),
    ...(emails === undefined ? {} : { alarms: { ...base.alarms, emails } }),
    ...(front === undefined ? {} : { plainHttpFront: front === true || front === 'true' }),
    // validated below: a prod stage is refused under three years
    ...(retention === undefined ? {} : { retentionDays: Number(retention) }),
  };
  const problems = validateStageConfig(config);
  if (problems.length > 0) throw new Error(`stage ${stage}: ${problems.join('; ')}`);
  return config;
}

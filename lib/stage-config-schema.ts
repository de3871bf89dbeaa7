import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MIN_PROD_RETENTION_DAYS, WORKER_MAX_CONCURRENCY_LIMITS } from '#core/settings.ts';

export const STAGE_NAMES = ['test', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** Where the HSM / Ukey proxy's token comes from. Never a plain environment variable in a deployed stack. */
export type HsmProxyToken =
  /** A secret this stack creates holding a placeholder; the operator puts the token in after the first deploy. */
  | { readonly source: 'stack-secret' }
  /** An existing Secrets Manager secret (its full ARN); `kmsKeyArn` when it is encrypted with a customer key. */
  | { readonly source: 'secret'; readonly secretArn: string; readonly kmsKeyArn?: string }
  /** An existing SSM SecureString parameter (its name, e.g. `/ceb-grab/prod/hsm-token`). */
  | { readonly source: 'parameter'; readonly parameterName: string; readonly kmsKeyArn?: string };

/** Which signer the upload worker uses (SIGNER_KIND) and what it needs to reach. */
export type SignerSettings =
  /** The key and certificate in a Secrets Manager secret the stateful stack creates. */
  | { readonly kind: 'soft' }
  | {
      readonly kind: 'hsm-proxy';
      readonly url: string;
      readonly protocol: 'ceb-grab' | 'chinaport-data-signature';
      readonly token: HsmProxyToken;
    }
  | {
      readonly kind: 'kms';
      /** Create one SM2 SIGN_VERIFY key in the stateful stack (China regions only). */
      readonly createSm2Key: boolean;
      /** Existing KMS key ARNs the worker may sign with; the certificate registry says which serves which ebpCode. */
      readonly keyArns: readonly string[];
    };

/** Put the worker in a VPC, e.g. to reach a signing proxy on a private network. Ids of existing resources. */
export interface WorkerNetwork {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface StageConfig {
  readonly stage: StageName;
  /** AWS region (e.g. `cn-north-1`); left out, the stacks are environment-agnostic. Never an account: no lookups. */
  readonly region?: string;
  /** Customs' realTimeDataUpload endpoint the worker posts to. */
  readonly customsUploadUrl: string;
  /** CIDR ranges customs' grab requests come from: the only sources admitted to POST /platDataOpen. */
  readonly customsSourceRanges: readonly string[];
  /** Who hears the alarms: e-mail subscriptions on a topic this stage creates, or an existing topic. */
  readonly alarms: { readonly emails: readonly string[]; readonly topicArn?: string };
  readonly signer: SignerSettings;
  readonly workerNetwork?: WorkerNetwork;
  /** Retention of function logs and API access logs. */
  readonly logRetention: RetentionDays;
  /** Keep tables, keys and secrets when the stack is deleted (set false only for throwaway stages). */
  readonly retainData: boolean;
  /**
   * Days payments, grab sessions and clearance timelines are kept after the payment's tradingTime, then
   * deleted by DynamoDB TTL (`expiresAt`). Default RETENTION_DAYS (three years, core/settings.ts): China's
   * E-Commerce Law art. 31 requires at least three years, so a prod stage may not set less.
   */
  readonly retentionDays: number;
  /** API Gateway stage throttling (requests per second, burst). Customs sends one grab per order. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** A CloudFront distribution in front of the API that also answers plain http on port 80. */
  readonly plainHttpFront: boolean;
  /**
   * Upload workers at once (the event source's maximum concurrency, 2…1000), when the signer kind's
   * default (WORKER_MAX_CONCURRENCY: 20, or 2 for a card) does not fit this stage's signer's rate.
   */
  readonly workerMaxConcurrency?: number;
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f:]+:[0-9a-f:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/i;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const KMS_KEY_ARN = /^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const SECRET_ARN = /^arn:aws(-cn|-us-gov)?:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

const isHttpUrl = (url: string) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);
const isHttpsUrl = (url: string) => URL.canParse(url) && new URL(url).protocol === 'https:';

/** Every problem with a stage's settings, worded for the operator who edits them. */
export function validateStageConfig(c: StageConfig): string[] {
  const problems: string[] = [];
  // Payment data and bank accounts travel in the upload: never over plain http from a deployed stage.
  if (!isHttpsUrl(c.customsUploadUrl)) problems.push('customsUploadUrl must be an absolute https URL');
  if (c.region !== undefined && !REGION.test(c.region)) problems.push(`region "${c.region}" is not a region`);
  for (const range of c.customsSourceRanges) {
    if (!IPV4_CIDR.test(range) && !IPV6_CIDR.test(range)) {
      problems.push(`customsSourceRanges: "${range}" is not a CIDR range (e.g. 203.0.113.0/24)`);
    }
  }
  for (const email of c.alarms.emails) {
    if (!EMAIL.test(email)) problems.push(`alarms.emails: "${email}" is not an e-mail address`);
  }
  if (c.plainHttpFront && c.customsSourceRanges.some((r) => r.includes(':'))) {
    problems.push('plainHttpFront checks IPv4 ranges only: remove the IPv6 customsSourceRanges');
  }
  problems.push(...retentionProblems(c));
  problems.push(...signerProblems(c));
  const workers = c.workerMaxConcurrency;
  const { min, max } = WORKER_MAX_CONCURRENCY_LIMITS;
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= min && workers <= max)) {
    problems.push(`workerMaxConcurrency must be a whole number from ${min} to ${max} (Lambda's limits)`);
  }
  if (c.workerNetwork !== undefined) {
    const { vpcId, subnetIds, securityGroupIds } = c.workerNetwork;
    if (subnetIds.length === 0 || securityGroupIds.length === 0) {
      problems.push('workerNetwork needs at least one subnet id and one security group id');
    }
    const wrong = (prefix: string, ids: readonly string[]) =>
      ids.filter((id) => !new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id));
    for (const id of [
      ...wrong('vpc', [vpcId]),
      ...wrong('subnet', subnetIds),
      ...wrong('sg', securityGroupIds),
    ]) {
      problems.push(`workerNetwork: "${id}" is not a vpc-, subnet- or sg- id`);
    }
  }
  return problems;
}

/** The stage's retention, checked against the law's floor (also by the stateful stack, whatever built the config). */
export function retentionProblems(c: StageConfig): string[] {
  const days = c.retentionDays;
  if (!Number.isInteger(days) || days < 1)
    return [`retentionDays must be a whole number of days, got ${days}`];
  if (c.stage === 'prod' && days < MIN_PROD_RETENTION_DAYS) {
    return [
      `retentionDays ${days} is less than three years (${MIN_PROD_RETENTION_DAYS} days): China's E-Commerce Law ` +
        'art. 31 requires keeping transaction information at least three years from the transaction, so a prod ' +
        'stage may not keep payments, sessions or clearance timelines for less',
    ];
  }
  return [];
}

function signerProblems(c: StageConfig): string[] {
  const signer = c.signer;
  switch (signer.kind) {
    case 'soft':
      return [];
    case 'hsm-proxy': {
      const problems = isHttpUrl(signer.url) ? [] : ['signer.url must be an absolute http(s) URL'];
      // The token and the sign source (which holds recpAccount) must not cross a network in clear:
      // plain http only to a proxy on the private network the worker is placed in.
      if (isHttpUrl(signer.url) && !isHttpsUrl(signer.url) && c.workerNetwork === undefined) {
        problems.push(
          'signer.url must be https (`ceb-grab signer --tls-cert/--tls-key`) unless workerNetwork puts the worker on the private network of the proxy',
        );
      }
      const { token } = signer;
      if (token.source === 'secret' && !SECRET_ARN.test(token.secretArn)) {
        problems.push('signer.token.secretArn must be the full ARN of a secret (ending in -xxxxxx)');
      }
      if (token.source === 'parameter' && !/^[\w./-]+$/.test(token.parameterName)) {
        problems.push('signer.token.parameterName must be an SSM parameter name');
      }
      if (token.source !== 'stack-secret' && token.kmsKeyArn && !KMS_KEY_ARN.test(token.kmsKeyArn)) {
        problems.push('signer.token.kmsKeyArn must be a KMS key ARN');
      }
      return problems;
    }
    case 'kms': {
      const problems = signer.keyArns
        .filter((arn) => !KMS_KEY_ARN.test(arn))
        .map((arn) => `signer.keyArns: "${arn}" is not a KMS key ARN`);
      if (!signer.createSm2Key && signer.keyArns.length === 0) {
        problems.push('signer kind kms needs createSm2Key or at least one keyArns entry');
      }
      if (signer.createSm2Key && c.region !== undefined && !c.region.startsWith('cn-')) {
        problems.push(`KMS has SM2 keys in the China regions only, not in ${c.region}`);
      }
      return problems;
    }
  }
}

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AwsClientOptions } from '#adapters/aws-clients.ts';
import type { LocalResources } from './resources.ts';

/**
 * While `ceb-grab local` runs it writes where everything is to .ceb-grab/local.json in the
 * working directory, so `ceb-grab load` and `ceb-grab status` in another terminal need no flags.
 */
export interface LocalStackInfo extends LocalResources {
  readonly endpoint: string;
  readonly region: string;
  readonly apiUrl: string;
  readonly customsUrl: string;
  readonly pid: number;
  /** where the worker's soft signer key and certificate are (file paths, never the key itself) */
  readonly signerFiles?: { readonly key: string; readonly cert: string };
  /**
   * The local clearance partners' HMAC secrets (CALLBACK_PARTNER_SECRETS), made up for this run, so
   * `npm run invoke` can sign callback fixtures the way the running stack checks them.
   */
  readonly partnerSecrets?: string;
}

/**
 * .ceb-grab/local.json at the project's root: the nearest directory from `cwd` upwards that holds a
 * package.json (else `cwd` itself), so a command run in any subdirectory finds the running stack.
 */
export const stackFilePath = (cwd = process.cwd()): string =>
  join(projectRoot(cwd), '.ceb-grab', 'local.json');

function projectRoot(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

export function writeStackFile(info: LocalStackInfo, path = stackFilePath()): void {
  mkdirSync(dirname(path), { recursive: true });
  // Owner-only: it names the local partner secrets.
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Remove the stack file if it is this process's (never another stack's that took its place). */
export function removeStackFile(path = stackFilePath()): void {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<LocalStackInfo>;
    if (info.pid !== undefined && info.pid !== process.pid) return;
  } catch {
    // unreadable or gone: nothing of another stack's to keep
  }
  rmSync(path, { force: true });
}

/** The running local stack, or undefined when none is running (or its process is gone). */
export function readStackFile(path = stackFilePath()): LocalStackInfo | undefined {
  let info: LocalStackInfo;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as LocalStackInfo;
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined;
  }
  return info;
}

/** The region the local stack's clients and its API's SigV4 check use. */
export const LOCAL_REGION = 'cn-north-1';

/**
 * The local stack's one identity (dummy, not a secret): what its clients sign with, and the only
 * access key its API admits on the IAM-authorized routes. moto accepts any credentials; for the SDK
 * these only keep it from looking for real ones.
 */
const LOCAL_CREDENTIAL = 'local';
export const LOCAL_CREDENTIALS = {
  accessKeyId: LOCAL_CREDENTIAL,
  secretAccessKey: LOCAL_CREDENTIAL,
} as const;

/** The environment the functions read, pointing at the local stack. */
export function localEnv(info: Omit<LocalStackInfo, 'apiUrl' | 'pid'>): Record<string, string> {
  return {
    ...(info.signerFiles
      ? {
          SIGNER_KIND: 'soft',
          SOFT_SIGNER_KEY: info.signerFiles.key,
          SOFT_SIGNER_CERT: info.signerFiles.cert,
        }
      : {}),
    ...(info.partnerSecrets ? { CALLBACK_PARTNER_SECRETS: info.partnerSecrets } : {}),
    AWS_ENDPOINT_URL: info.endpoint,
    AWS_REGION: info.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    SESSIONS_TABLE: info.sessionsTable,
    PAYMENTS_TABLE: info.paymentsTable,
    CERTIFICATES_TABLE: info.certificatesTable,
    CLEARANCE_TABLE: info.clearanceTable,
    GRAB_QUEUE_URL: info.grabQueueUrl,
    GRAB_DLQ_URL: info.grabDlqUrl,
    MAX_RECEIVES: String(info.maxReceives),
    CUSTOMS_UPLOAD_URL: info.customsUrl,
  };
}

/** Where the AWS clients of a tool in another terminal point: the local stack's emulator. */
export const localAws = (info: Pick<LocalStackInfo, 'endpoint' | 'region'>): AwsClientOptions => ({
  endpoint: info.endpoint,
  region: info.region,
  credentials: LOCAL_CREDENTIALS,
});

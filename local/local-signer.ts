import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '#core/errors.ts';
import type { SignerKind } from '#core/ports.ts';
import { startKmsDouble } from '#doubles/kms-double/index.ts';
import { makeThrowawayCertificate } from './throwaway-certificate.ts';

/**
 * The signer of a local run, chosen by SIGNER_KIND like the deployed worker's:
 * - soft: SOFT_SIGNER_KEY and SOFT_SIGNER_CERT (PEM files), else a throwaway SM2 key and certificate;
 * - hsm-proxy: a signing proxy already running (e.g. `ceb-grab signer`) at HSM_PROXY_URL, with
 *   HSM_PROXY_TOKEN and HSM_PROXY_PROTOCOL; its signing certificate from HSM_PROXY_CERT, else (our
 *   protocol only) from the proxy: chinaport-data-signature's download is the encryption certificate;
 * - kms: KMS at AWS_ENDPOINT_URL_KMS with KMS_KEY_ID and SIGNER_CERT, else the KMS test double
 *   (moto has no SM2) holding a throwaway SM2 key.
 */
export interface LocalSigner {
  readonly kind: SignerKind;
  readonly keyId: string;
  readonly certificatePem: string;
  readonly description: string;
  /** the worker's environment for this signer */
  readonly env: Record<string, string>;
  /** key and certificate files, for `ceb-grab invoke` in another terminal (soft only) */
  readonly files?: { readonly key: string; readonly cert: string };
  stop(): Promise<void>;
}

const THROWAWAY = 'CEB_GRAB_THROWAWAY_SIGNER';

export async function prepareLocalSigner(env: NodeJS.ProcessEnv): Promise<LocalSigner> {
  const kind = env.SIGNER_KIND ?? 'soft';
  if (kind === 'soft') return softSigner(env);
  if (kind === 'hsm-proxy') return proxySigner(env);
  if (kind === 'kms') return kmsSigner(env);
  throw new ConfigError(`SIGNER_KIND=${kind} is not a signer: use soft, hsm-proxy or kms`);
}

function softSigner(env: NodeJS.ProcessEnv): LocalSigner {
  // A throwaway key of an earlier stack in this process is not the caller's key.
  if (env.SOFT_SIGNER_KEY && env.SOFT_SIGNER_CERT && env[THROWAWAY] !== 'true') {
    return {
      kind: 'soft',
      keyId: 'soft',
      certificatePem: readFileSync(env.SOFT_SIGNER_CERT, 'utf8'),
      description: `soft (${env.SOFT_SIGNER_KEY})`,
      env: {
        SIGNER_KIND: 'soft',
        SOFT_SIGNER_KEY: env.SOFT_SIGNER_KEY,
        SOFT_SIGNER_CERT: env.SOFT_SIGNER_CERT,
      },
      files: { key: env.SOFT_SIGNER_KEY, cert: env.SOFT_SIGNER_CERT },
      stop: async () => undefined,
    };
  }
  const made = throwawayFiles();
  return {
    kind: 'soft',
    keyId: 'soft',
    certificatePem: made.certificatePem,
    description: 'soft (throwaway SM2 key and certificate)',
    env: { SIGNER_KIND: 'soft', SOFT_SIGNER_KEY: made.key, SOFT_SIGNER_CERT: made.cert, [THROWAWAY]: 'true' },
    files: { key: made.key, cert: made.cert },
    stop: async () => made.remove(),
  };
}

async function proxySigner(env: NodeJS.ProcessEnv): Promise<LocalSigner> {
  const url = env.HSM_PROXY_URL;
  if (!url) {
    throw new ConfigError(
      'SIGNER_KIND=hsm-proxy needs a running signing proxy: start `npx ceb-grab signer --key K.pem --cert C.pem` ' +
        'and set HSM_PROXY_URL and HSM_PROXY_TOKEN (and HSM_PROXY_PROTOCOL=chinaport-data-signature for that protocol)',
    );
  }
  const protocol =
    env.HSM_PROXY_PROTOCOL === 'chinaport-data-signature' ? 'chinaport-data-signature' : 'ceb-grab';
  const keyId = env.HSM_PROXY_KEY_ID ?? 'default';
  // Imported here: the adapters' logger reads its level from the environment the stack sets first.
  const { HsmProxySigner } = await import('#adapters/signers/hsm-proxy-signer.ts');
  const { hsmProxyToken } = await import('#adapters/signers/hsm-proxy-token.ts');
  const certificatePem = env.HSM_PROXY_CERT
    ? readFileSync(env.HSM_PROXY_CERT, 'utf8')
    : (await new HsmProxySigner({ url, protocol, token: hsmProxyToken(env) }).describeKey(keyId)).certificate;
  return {
    kind: 'hsm-proxy',
    keyId,
    certificatePem,
    description: `hsm-proxy (${protocol} at ${url}, key ${keyId})`,
    env: {
      SIGNER_KIND: 'hsm-proxy',
      HSM_PROXY_URL: url,
      HSM_PROXY_PROTOCOL: protocol,
      ...pick(env, [
        'HSM_PROXY_TOKEN',
        'HSM_PROXY_TOKEN_SECRET_ID',
        'HSM_PROXY_TOKEN_PARAMETER',
        'HSM_PROXY_PIN_COOLDOWN_MS',
      ]),
    },
    stop: async () => undefined,
  };
}

async function kmsSigner(env: NodeJS.ProcessEnv): Promise<LocalSigner> {
  if (env.AWS_ENDPOINT_URL_KMS && env.KMS_KEY_ID && env.SIGNER_CERT) {
    return {
      kind: 'kms',
      keyId: env.KMS_KEY_ID,
      certificatePem: readFileSync(env.SIGNER_CERT, 'utf8'),
      description: `kms (key ${env.KMS_KEY_ID} at ${env.AWS_ENDPOINT_URL_KMS})`,
      env: { SIGNER_KIND: 'kms', AWS_ENDPOINT_URL_KMS: env.AWS_ENDPOINT_URL_KMS },
      stop: async () => undefined,
    };
  }
  // moto has no SM2 and no DIGEST signing: the KMS double stands in, holding a throwaway SM2 key.
  const made = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
  const kms = await startKmsDouble();
  const key = kms.createKey({
    keySpec: 'SM2',
    privateKeyPem: made.privateKeyPem,
    alias: 'alias/ceb-grab-local',
  });
  return {
    kind: 'kms',
    keyId: key.alias ?? key.keyId,
    certificatePem: made.certificatePem,
    description: `kms (the KMS test double at ${kms.endpoint}, key ${key.alias ?? key.keyId})`,
    env: { SIGNER_KIND: 'kms', AWS_ENDPOINT_URL_KMS: kms.endpoint },
    stop: () => kms.close(),
  };
}

function throwawayFiles() {
  const made = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
  const dir = mkdtempSync(join(tmpdir(), 'ceb-grab-signer-'));
  const key = join(dir, 'throwaway-sm2.key.pem');
  const cert = join(dir, 'throwaway-sm2.cert.pem');
  writeFileSync(key, made.privateKeyPem, { mode: 0o600 });
  writeFileSync(cert, made.certificatePem);
  return {
    key,
    cert,
    certificatePem: made.certificatePem,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function pick(env: NodeJS.ProcessEnv, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((k) => (env[k] ? [[k, env[k] as string]] : [])));
}

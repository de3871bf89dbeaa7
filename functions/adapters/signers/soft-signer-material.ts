import { readFile } from 'node:fs/promises';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as v from 'valibot';
import { ConfigError } from '#core/errors.ts';
import type { SoftSignerConfig } from '#functions/config.ts';

const SecretSchema = v.object({
  privateKeyPem: v.pipe(v.string(), v.includes('PRIVATE KEY', 'privateKeyPem must be a PEM private key')),
  certificatePem: v.pipe(v.string(), v.includes('CERTIFICATE', 'certificatePem must be a PEM certificate')),
});

/** The soft signer's key and certificate: files locally, a Secrets Manager secret when deployed. */
export async function loadSoftSignerMaterial(
  config: SoftSignerConfig,
): Promise<{ privateKeyPem: string; certificatePem: string }> {
  if ('SOFT_SIGNER_KEY' in config) {
    const [privateKeyPem, certificatePem] = await Promise.all([
      readFile(config.SOFT_SIGNER_KEY, 'utf8').catch((e: Error) => {
        throw new ConfigError(`SOFT_SIGNER_KEY: cannot read ${config.SOFT_SIGNER_KEY}: ${e.message}`);
      }),
      readFile(config.SOFT_SIGNER_CERT, 'utf8').catch((e: Error) => {
        throw new ConfigError(`SOFT_SIGNER_CERT: cannot read ${config.SOFT_SIGNER_CERT}: ${e.message}`);
      }),
    ]);
    return { privateKeyPem, certificatePem };
  }
  const secret = await getSecret(config.SOFT_SIGNER_SECRET_ID, { transform: 'json', maxAge: 300 });
  const parsed = v.safeParse(SecretSchema, secret);
  if (!parsed.success) {
    throw new ConfigError(`secret ${config.SOFT_SIGNER_SECRET_ID} must hold {privateKeyPem, certificatePem}`);
  }
  return parsed.output;
}

import { DynamoCertificateRegistry } from '#adapters/dynamodb/certificate-registry.ts';
import { dynamoClient } from '#adapters/dynamodb/session-store.ts';
import { ConfigError } from '#core/errors.ts';
import type { CertificateRegistry, Signer } from '#core/ports.ts';
import type { SignerConfig } from './config.ts';

/** The signer and the certificate registry the worker uses, made once at cold start. */
export type SigningDeps = (
  config: SignerConfig,
) => Promise<{ signer: Signer; certificates: CertificateRegistry }>;

type Kind = SignerConfig['SIGNER_KIND'];

/** The config of the kind a signer-kind entry is built for; a ConfigError when SIGNER_KIND names another. */
export function configOfKind<K extends Kind>(
  config: SignerConfig,
  kind: K,
): Extract<SignerConfig, { SIGNER_KIND: K }> {
  if (config.SIGNER_KIND !== kind) {
    throw new ConfigError(
      `this upload worker is built for the ${kind} signer but SIGNER_KIND is ${config.SIGNER_KIND}: ` +
        'the stack picks the worker entry by the stage’s signer kind, so set SIGNER_KIND through the stage config',
    );
  }
  return config as Extract<SignerConfig, { SIGNER_KIND: K }>;
}

/** The DynamoDB registry: which key and certificate sign for each ebpCode. */
export const certificateRegistry = (table: string): CertificateRegistry =>
  new DynamoCertificateRegistry(dynamoClient(), table);

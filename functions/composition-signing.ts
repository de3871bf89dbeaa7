import { DynamoCertificateRegistry } from '#adapters/dynamodb/certificate-registry.ts';
import { dynamoClient } from '#adapters/dynamodb/session-store.ts';
import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { hsmProxyToken } from '#adapters/signers/hsm-proxy-token.ts';
import { KmsSigner, kmsClient } from '#adapters/signers/kms-signer.ts';
import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { loadSoftSignerMaterial } from '#adapters/signers/soft-signer-material.ts';
import type { CertificateRegistry, Signer } from '#core/ports.ts';
import type { SignerConfig } from './config.ts';

/**
 * The signer and the certificate registry the worker uses, chosen once at cold start by
 * SIGNER_KIND. The registry says which key and certificate sign for each ebpCode; a soft signer
 * without a registry signs for every ebpCode with its one certificate.
 */
export async function signingDeps(
  config: SignerConfig,
): Promise<{ signer: Signer; certificates: CertificateRegistry }> {
  const registry = () => new DynamoCertificateRegistry(dynamoClient(), config.CERTIFICATES_TABLE ?? '');
  switch (config.SIGNER_KIND) {
    case 'soft': {
      const signer = new SoftSigner(await loadSoftSignerMaterial(config));
      return {
        signer,
        certificates: config.CERTIFICATES_TABLE ? registry() : new SoftKeyRegistry(signer.certificate),
      };
    }
    case 'hsm-proxy':
      return {
        signer: new HsmProxySigner({
          url: config.HSM_PROXY_URL,
          protocol: config.HSM_PROXY_PROTOCOL,
          token: hsmProxyToken(config),
          timeoutMs: config.HSM_PROXY_TIMEOUT_MS,
          maxConcurrent: config.HSM_PROXY_MAX_CONCURRENT,
        }),
        certificates: registry(),
      };
    case 'kms':
      // Each key is checked (SM2, SIGN_VERIFY, the registered certificate's public key) before its first signature.
      return { signer: new KmsSigner({ client: kmsClient() }), certificates: registry() };
  }
}

import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { loadSoftSignerMaterial } from '#adapters/signers/soft-signer-material.ts';
import { ConfigError } from '#core/errors.ts';
import type { CertificateRegistry, Signer } from '#core/ports.ts';
import type { SignerConfig } from './config.ts';

/** The signer and the certificate registry the worker uses, chosen once at cold start by SIGNER_KIND. */
export async function signingDeps(
  config: SignerConfig,
): Promise<{ signer: Signer; certificates: CertificateRegistry }> {
  switch (config.SIGNER_KIND) {
    case 'soft': {
      const signer = new SoftSigner(await loadSoftSignerMaterial(config));
      return { signer, certificates: new SoftKeyRegistry(signer.certificate) };
    }
    default:
      throw new ConfigError(`SIGNER_KIND=${config.SIGNER_KIND} is being wired`);
  }
}

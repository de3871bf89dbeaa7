import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { loadSoftSignerMaterial } from '#adapters/signers/soft-signer-material.ts';
import { certificateRegistry, configOfKind, type SigningDeps } from './composition-signing-common.ts';

/** A software key; without a registry it signs for every ebpCode with its one certificate. */
export const softSigningDeps: SigningDeps = async (config) => {
  const soft = configOfKind(config, 'soft');
  const signer = new SoftSigner(await loadSoftSignerMaterial(soft));
  return {
    signer,
    certificates: soft.CERTIFICATES_TABLE
      ? certificateRegistry(soft.CERTIFICATES_TABLE)
      : new SoftKeyRegistry(signer.certificate),
  };
};

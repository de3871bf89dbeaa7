import { KmsSigner, kmsClient } from '#adapters/signers/kms-signer.ts';
import { certificateRegistry, configOfKind, type SigningDeps } from './composition-signing-common.ts';

/** SM2 keys in KMS. Each key is checked (SM2, SIGN_VERIFY, the registered certificate's public key) before its first signature. */
export const kmsSigningDeps: SigningDeps = async (config) => {
  const kms = configOfKind(config, 'kms');
  return {
    signer: new KmsSigner({ client: kmsClient() }),
    certificates: certificateRegistry(kms.CERTIFICATES_TABLE),
  };
};

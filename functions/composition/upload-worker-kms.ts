import { kmsClient } from '#adapters/aws-clients.ts';
import { KmsSigner } from '#adapters/signers/kms-signer.ts';
import type { UploadWorkerRoot } from '#functions/upload-worker/worker.ts';
import {
  certificateRegistry,
  configOfKind,
  type SigningDeps,
  uploadWorkerRootWith,
} from './upload-worker.ts';

/** SM2 keys in KMS. Each key is checked (SM2, SIGN_VERIFY, the registered certificate's public key) before its first signature. */
export const kmsSigning: SigningDeps = async (config, ddb) => {
  const kms = configOfKind(config, 'kms');
  return {
    signer: new KmsSigner({ client: kmsClient() }),
    certificates: certificateRegistry(ddb, kms.CERTIFICATES_TABLE),
  };
};

/** The KMS-signer worker (upload-worker/handler-kms.ts). */
export const kmsUploadWorkerRoot = (env = process.env): UploadWorkerRoot =>
  uploadWorkerRootWith(kmsSigning, env);

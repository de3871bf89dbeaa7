import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { loadSoftSignerMaterial } from '#adapters/signers/soft-signer-material.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import {
  certificateRegistry,
  configOfKind,
  type SigningDeps,
  uploadWorkerDepsWith,
} from './upload-worker.ts';

/** A software key; without a registry it signs for every ebpCode with its one certificate. */
export const softSigning: SigningDeps = async (config, ddb) => {
  const soft = configOfKind(config, 'soft');
  const signer = new SoftSigner(await loadSoftSignerMaterial(soft));
  return {
    signer,
    certificates: soft.CERTIFICATES_TABLE
      ? certificateRegistry(ddb, soft.CERTIFICATES_TABLE)
      : new SoftKeyRegistry(signer.certificate),
  };
};

/** The soft-signer worker's deps (upload-worker/handler-soft.ts). */
export const softUploadWorkerDeps = (env = process.env): Promise<UploadDeps> =>
  uploadWorkerDepsWith(softSigning, env);

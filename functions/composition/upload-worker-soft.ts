import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { loadSoftSignerMaterial } from '#adapters/signers/soft-signer-material.ts';
import type { UploadWorkerRoot } from '#functions/upload-worker/worker.ts';
import {
  certificateRegistry,
  configOfKind,
  type SigningDeps,
  uploadWorkerRootWith,
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

/** The soft-signer worker (upload-worker/handler-soft.ts). */
export const softUploadWorkerRoot = (env = process.env): UploadWorkerRoot =>
  uploadWorkerRootWith(softSigning, env);

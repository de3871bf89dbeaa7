import { kmsSigningDeps } from '#functions/composition-signing-kms.ts';
import { uploadWorkerDepsWith } from '#functions/composition-worker.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry for the kms signer (the stack picks it by the stage's signer kind). */
export const handler = createUploadWorker(await uploadWorkerDepsWith(kmsSigningDeps));

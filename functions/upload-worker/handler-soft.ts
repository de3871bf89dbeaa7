import { softSigningDeps } from '#functions/composition-signing-soft.ts';
import { uploadWorkerDepsWith } from '#functions/composition-worker.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry for the soft signer (the stack picks it by the stage's signer kind). */
export const handler = createUploadWorker(await uploadWorkerDepsWith(softSigningDeps));

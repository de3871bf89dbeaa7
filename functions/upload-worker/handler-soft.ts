import { softUploadWorkerRoot } from '#functions/composition/upload-worker-soft.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry for the soft signer (the stack picks it by the stage's signer kind). */
export const handler = createUploadWorker(softUploadWorkerRoot());

import { kmsUploadWorkerRoot } from '#functions/composition/upload-worker-kms.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry for the kms signer (the stack picks it by the stage's signer kind). */
export const handler = createUploadWorker(kmsUploadWorkerRoot());

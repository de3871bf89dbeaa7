import { uploadWorkerRoot } from '#functions/composition/upload-worker-any-signer.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry with whichever signer SIGNER_KIND names; deps built on the first batch. */
export const handler = createUploadWorker(uploadWorkerRoot());

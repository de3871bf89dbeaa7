import { uploadWorkerDeps } from '#functions/composition/upload-worker-any-signer.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry: deps from the environment, once per container. */
export const handler = createUploadWorker(await uploadWorkerDeps());

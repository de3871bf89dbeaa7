import { uploadWorkerDeps } from '#functions/composition.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry: deps from the environment, once per container. */
export const handler = createUploadWorker(await uploadWorkerDeps());

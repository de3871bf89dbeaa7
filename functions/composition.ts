import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import { signingDeps } from './composition-signing.ts';
import { uploadWorkerDepsWith } from './composition-worker.ts';

/**
 * The worker's deps with whichever signer SIGNER_KIND names: the local stack, `ceb-grab invoke` and
 * upload-worker/handler.ts. A deployed worker is built from its signer kind's entry instead
 * (upload-worker/handler-<kind>.ts). grab-request's composition root is composition-grab.ts.
 */
export const uploadWorkerDeps = (env = process.env): Promise<UploadDeps> =>
  uploadWorkerDepsWith(signingDeps, env);

import { allTokenStores } from '#adapters/signers/hsm-proxy-token.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import type { UploadWorkerRoot } from '#functions/upload-worker/worker.ts';
import { type SigningDeps, uploadWorkerDepsWith, uploadWorkerRootWith } from './upload-worker.ts';
import { hsmProxySigning } from './upload-worker-hsm-proxy.ts';
import { kmsSigning } from './upload-worker-kms.ts';
import { softSigning } from './upload-worker-soft.ts';

/** Whichever signer SIGNER_KIND names, chosen once at cold start. */
const anySigning: SigningDeps = (config, ddb) => {
  switch (config.SIGNER_KIND) {
    case 'soft':
      return softSigning(config, ddb);
    case 'hsm-proxy':
      return hsmProxySigning(allTokenStores)(config, ddb);
    case 'kms':
      return kmsSigning(config, ddb);
  }
};

/**
 * The worker's deps with whichever signer SIGNER_KIND names: the local stack, bench, soak,
 * `ceb-grab invoke` and upload-worker/handler.ts. A deployed worker is built from its signer kind's
 * entry instead (upload-worker/handler-<kind>.ts): only this chooser bundles every kind's SDK clients.
 */
export const uploadWorkerDeps = (env = process.env): Promise<UploadDeps> =>
  uploadWorkerDepsWith(anySigning, env);

/** The worker with whichever signer SIGNER_KIND names (upload-worker/handler.ts, the local stack). */
export const uploadWorkerRoot = (env = process.env): UploadWorkerRoot =>
  uploadWorkerRootWith(anySigning, env);

import { secretsManagerTokenStore } from '#adapters/signers/hsm-proxy-token-secrets-manager.ts';
import { hsmProxyUploadWorkerRoot } from '#functions/composition/upload-worker-hsm-proxy.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry for the hsm-proxy signer with its token in Secrets Manager (the stack picks it by the stage's signer). */
export const handler = createUploadWorker(hsmProxyUploadWorkerRoot(secretsManagerTokenStore));

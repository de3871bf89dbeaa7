import { ssmTokenStore } from '#adapters/signers/hsm-proxy-token-ssm.ts';
import { hsmProxyUploadWorkerRoot } from '#functions/composition/upload-worker-hsm-proxy.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry for the hsm-proxy signer with its token in an SSM SecureString (the stack picks it by the stage's signer). */
export const handler = createUploadWorker(hsmProxyUploadWorkerRoot(ssmTokenStore));

import { ssmTokenStore } from '#adapters/signers/hsm-proxy-token-ssm.ts';
import { hsmProxySigningDeps } from '#functions/composition-signing-hsm-proxy.ts';
import { uploadWorkerDepsWith } from '#functions/composition-worker.ts';
import { createUploadWorker } from './worker.ts';

/** The upload worker's Lambda entry for the hsm-proxy signer with its token in an SSM SecureString (the stack picks it by the stage's signer). */
export const handler = createUploadWorker(await uploadWorkerDepsWith(hsmProxySigningDeps(ssmTokenStore)));

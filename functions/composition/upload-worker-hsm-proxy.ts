import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { readHsmProxyToken, type TokenFetchers } from '#adapters/signers/hsm-proxy-token-reader.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import {
  certificateRegistry,
  configOfKind,
  type SigningDeps,
  uploadWorkerDepsWith,
} from './upload-worker.ts';

/** An HSM / Ukey signing proxy, its token read from the stores given (Secrets Manager, SSM, or both). */
export const hsmProxySigning =
  (tokenStores: Partial<TokenFetchers>): SigningDeps =>
  async (config, ddb) => {
    const proxy = configOfKind(config, 'hsm-proxy');
    return {
      signer: new HsmProxySigner({
        url: proxy.HSM_PROXY_URL,
        protocol: proxy.HSM_PROXY_PROTOCOL,
        token: readHsmProxyToken(proxy, { fetchers: tokenStores }),
        timeoutMs: proxy.HSM_PROXY_TIMEOUT_MS,
        maxConcurrent: proxy.HSM_PROXY_MAX_CONCURRENT,
      }),
      certificates: certificateRegistry(ddb, proxy.CERTIFICATES_TABLE),
    };
  };

/**
 * The hsm-proxy worker's deps, its token from the one store its entry imports
 * (upload-worker/handler-hsm-proxy-secret.ts, handler-hsm-proxy-parameter.ts).
 */
export const hsmProxyUploadWorkerDeps = (
  tokenStores: Partial<TokenFetchers>,
  env = process.env,
): Promise<UploadDeps> => uploadWorkerDepsWith(hsmProxySigning(tokenStores), env);

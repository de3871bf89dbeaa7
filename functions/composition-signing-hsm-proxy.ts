import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { readHsmProxyToken, type TokenFetchers } from '#adapters/signers/hsm-proxy-token-reader.ts';
import { certificateRegistry, configOfKind, type SigningDeps } from './composition-signing-common.ts';

/** An HSM / Ukey signing proxy, its token read from the stores given (Secrets Manager, SSM, or both). */
export const hsmProxySigningDeps =
  (tokenStores: Partial<TokenFetchers>): SigningDeps =>
  async (config) => {
    const proxy = configOfKind(config, 'hsm-proxy');
    return {
      signer: new HsmProxySigner({
        url: proxy.HSM_PROXY_URL,
        protocol: proxy.HSM_PROXY_PROTOCOL,
        token: readHsmProxyToken(proxy, { fetchers: tokenStores }),
        timeoutMs: proxy.HSM_PROXY_TIMEOUT_MS,
        ...(proxy.HSM_PROXY_MAX_CONCURRENT === undefined
          ? {}
          : { maxConcurrent: proxy.HSM_PROXY_MAX_CONCURRENT }),
      }),
      certificates: certificateRegistry(proxy.CERTIFICATES_TABLE),
    };
  };

import { type HsmProxyTokenConfig, readHsmProxyToken, type TokenFetchers } from './hsm-proxy-token-reader.ts';
import { secretsManagerTokenStore } from './hsm-proxy-token-secrets-manager.ts';
import { ssmTokenStore } from './hsm-proxy-token-ssm.ts';

export {
  type HsmProxyTokenConfig,
  TOKEN_MAX_AGE_SECONDS,
  type TokenFetchers,
} from './hsm-proxy-token-reader.ts';

/** Both token stores: local runs and the all-signers worker (upload-worker/handler.ts). */
export const allTokenStores: TokenFetchers = { ...secretsManagerTokenStore, ...ssmTokenStore };

/** The signing proxy's token from whichever store the config names (local runs, the all-signers worker). */
export const hsmProxyToken = (
  config: HsmProxyTokenConfig,
  options: { maxAgeSeconds?: number; fetchers?: TokenFetchers } = {},
): (() => Promise<string>) =>
  readHsmProxyToken(config, {
    ...options,
    fetchers: options.fetchers ?? allTokenStores,
  });

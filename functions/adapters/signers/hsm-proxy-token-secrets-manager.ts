import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { TokenFetchers } from './hsm-proxy-token-reader.ts';

/** The signing proxy's token from Secrets Manager (a module of its own: only its worker bundles the client). */
export const secretsManagerTokenStore: Pick<TokenFetchers, 'getSecret'> = {
  getSecret: (name, options) => getSecret(name, options),
};

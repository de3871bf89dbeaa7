import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import type { TokenFetchers } from './hsm-proxy-token-reader.ts';

/** The signing proxy's token from an SSM SecureString (a module of its own: only its worker bundles the client). */
export const ssmTokenStore: Pick<TokenFetchers, 'getParameter'> = {
  getParameter: (name, options) => getParameter(name, options),
};

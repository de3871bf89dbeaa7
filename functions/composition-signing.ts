import { allTokenStores } from '#adapters/signers/hsm-proxy-token.ts';
import type { SigningDeps } from './composition-signing-common.ts';
import { hsmProxySigningDeps } from './composition-signing-hsm-proxy.ts';
import { kmsSigningDeps } from './composition-signing-kms.ts';
import { softSigningDeps } from './composition-signing-soft.ts';

/**
 * Whichever signer SIGNER_KIND names, chosen once at cold start (local runs and upload-worker/handler.ts).
 * A deployed worker imports its one kind's module (upload-worker/handler-<kind>.ts), so its bundle
 * carries no other kind's SDK clients.
 */
export const signingDeps: SigningDeps = (config) => {
  switch (config.SIGNER_KIND) {
    case 'soft':
      return softSigningDeps(config);
    case 'hsm-proxy':
      return hsmProxySigningDeps(allTokenStores)(config);
    case 'kms':
      return kmsSigningDeps(config);
  }
};

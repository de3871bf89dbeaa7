import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CHINAPORT_TOKEN_HEADER } from '#adapters/signers/hsm-proxy-protocol.ts';
import { SignerProxyError } from './backend.ts';

/**
 * Either protocol's token header is accepted on every route: `Authorization: Bearer <token>` (ours)
 * or `x-auth-token-eport-sign: <token>` (chinaport-data-signature's). Compared in constant time.
 */
export function tokenChecker(token: string): (req: IncomingMessage) => void {
  const expected = digest(token);
  return (req) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const header = req.headers[CHINAPORT_TOKEN_HEADER];
    const presented = bearer ?? (typeof header === 'string' ? header : undefined);
    if (presented === undefined) {
      throw new SignerProxyError(
        'UNAUTHORIZED',
        `no token: send Authorization: Bearer <token> or ${CHINAPORT_TOKEN_HEADER}`,
      );
    }
    if (!timingSafeEqual(digest(presented.trim()), expected)) {
      throw new SignerProxyError('UNAUTHORIZED', 'the token is not this signer’s');
    }
  };
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

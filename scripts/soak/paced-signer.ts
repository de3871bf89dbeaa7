import { randomBytes, randomInt } from 'node:crypto';
import { type CardServiceDouble, startCardServiceDouble } from '#doubles/card-service-double/server.ts';
import { cardBackend } from '#signer-proxy/card-backend.ts';
import { quietProxyLog } from '#signer-proxy/log.ts';
import { type SignerProxy, startSignerProxy } from '#signer-proxy/server.ts';

export interface PacedSigner {
  readonly card: CardServiceDouble;
  readonly proxy: SignerProxy;
  /** the worker's environment: SIGNER_KIND=hsm-proxy at this proxy */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The most realistic signing path on loopback: the worker's hsm-proxy signer -> `ceb-grab signer`
 * (the real proxy, card backend) -> the card service double, signing real SM2 one at a time at
 * `signaturesPerSecond` with a throwaway key whose certificate the local stack registers with customs.
 */
export async function startPacedSigner(signaturesPerSecond: number): Promise<PacedSigner> {
  const pin = String(randomInt(10_000_000, 100_000_000));
  const token = randomBytes(32).toString('hex');
  const card = await startCardServiceDouble({ pin, signaturesPerSecond });
  const proxy = await startSignerProxy({
    backend: cardBackend({ url: card.url, pin, keyId: 'default', log: quietProxyLog }),
    token,
    log: quietProxyLog,
  }).catch(async (e) => {
    await card.close();
    throw e;
  });
  return {
    card,
    proxy,
    env: {
      SIGNER_KIND: 'hsm-proxy',
      HSM_PROXY_URL: proxy.url,
      HSM_PROXY_PROTOCOL: 'ceb-grab',
      HSM_PROXY_TOKEN: token,
    },
    close: async () => {
      await proxy.close();
      await card.close();
    },
  };
}

import { spawnSync } from 'node:child_process';
import { SoftSigner } from '#adapters/signers/soft-signer.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { perSecond, type Rate } from '../lib/stats.ts';
import { benchPayments, signSourceOf } from './protocol.ts';

export interface OpensslSpeed {
  readonly signPerSecond: number;
  readonly verifyPerSecond: number;
  readonly version: string;
}

/** `openssl speed -seconds N sm2` on this machine (user CPU time, one core); undefined without SM2. */
export function opensslSm2(seconds = 2): OpensslSpeed | undefined {
  const run = spawnSync('openssl', ['speed', '-seconds', String(seconds), 'sm2'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = `${run.stdout ?? ''}`.split('\n').find((l) => /SM2/.test(l) && /\d+\.\d+\s*$/.test(l));
  const numbers = line?.trim().split(/\s+/).slice(-2).map(Number);
  if (numbers?.length !== 2 || numbers.some((n) => !Number.isFinite(n))) return undefined;
  const version = spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  return { signPerSecond: numbers[0] as number, verifyPerSecond: numbers[1] as number, version };
}

export interface CryptoFigures {
  readonly rates: readonly (Rate & { readonly algorithm: string; readonly orders: number })[];
  readonly openssl: OpensslSpeed | undefined;
}

/** Signing and the self-check exactly as the worker does them: the soft signer, then verifySignature. */
export async function cryptoSection(seconds = 1.5): Promise<CryptoFigures> {
  const { one, twenty } = benchPayments();
  const rates: CryptoFigures['rates'][number][] = [];
  for (const algorithm of ['SM3withSM2', 'SHA1withRSA'] as const) {
    const material = makeThrowawayCertificate({ algorithm });
    const signer = new SoftSigner(material);
    const cert = parseCertificate(material.certificatePem);
    for (const payment of algorithm === 'SM3withSM2' ? [one, twenty] : [one]) {
      const source = signSourceOf(payment);
      const signature = await signer.sign(source);
      const orders = payment.orders.length;
      const check = () => {
        if (!verifySignature({ signSource: source, ...signature }, cert).ok)
          throw new Error('self-check failed');
      };
      check();
      rates.push({ algorithm, orders, ...(await perSecond('sign', seconds, () => signer.sign(source))) });
      rates.push({ algorithm, orders, ...(await perSecond('verify (self-check)', seconds, check)) });
    }
  }
  return { rates, openssl: opensslSm2() };
}

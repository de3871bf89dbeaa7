/**
 * `npm run bench:signer`: how fast the product signs and checks signatures, in this process, as
 * the worker does it; and what the signing proxy adds per signature. Prints a table.
 */
import Table from 'cli-table3';
import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { SoftSigner } from '#adapters/signers/soft-signer.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import type { SigningKey } from '#core/ports.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { quietProxyLog } from '#signer-proxy/log.ts';
import { startSignerProxy } from '#signer-proxy/server.ts';
import { softBackend } from '#signer-proxy/soft-backend.ts';
import { perSecond, type Rate } from './lib/stats.ts';

// A sign source of a two-order payment: about 1.5 KB, typical of real uploads.
const SOURCE = `"sessionID":"fe2374-8fnejf97-32839218"||"payExchangeInfoHead":"{${'"k":"值/value",'.repeat(60)}}"||"payExchangeInfoLists":"[]"||"serviceTime":"1533271903898"`;

const rows: Rate[] = [];
for (const algorithm of ['SM3withSM2', 'SHA1withRSA'] as const) {
  const material = makeThrowawayCertificate({ algorithm });
  const signer = new SoftSigner(material);
  const cert = parseCertificate(material.certificatePem);
  const key: SigningKey = { ebpCode: 'BENCH', signer: 'soft', keyId: 'soft', certificate: cert };
  const sig = await signer.sign(SOURCE);
  rows.push(await perSecond(`${algorithm} sign (in process)`, 2, () => signer.sign(SOURCE)));
  rows.push(
    await perSecond(`${algorithm} verify (self-check)`, 2, () =>
      verifySignature({ signSource: SOURCE, signValue: sig.signValue, certNo: sig.certNo }, cert),
    ),
  );

  const proxy = await startSignerProxy({
    backend: softBackend({ ...material, keyId: 'default' }),
    token: 'bench-token-00112233445566778899aabb',
    log: quietProxyLog,
  });
  const viaProxy = new HsmProxySigner({
    url: proxy.url,
    protocol: 'ceb-grab',
    token: async () => 'bench-token-00112233445566778899aabb',
  });
  const proxied = await perSecond(`${algorithm} sign through ceb-grab signer`, 2, () =>
    viaProxy.sign(SOURCE, { ...key, signer: 'hsm-proxy', keyId: 'default' }),
  );
  rows.push(proxied);
  await proxy.close();
}

// In process: per CPU second (other work on the machine slows the clock, not the signature). Through
// the proxy the client waits on HTTP: per wall second, which is what a worker sees.
const table = new Table({ head: ['operation', 'per second', 'ms each'], style: { head: [], border: [] } });
for (const r of rows) {
  const proxied = r.label.includes('through');
  const rate = proxied ? r.perWallSecond : r.perSecond;
  table.push([r.label, String(Math.round(rate)), (1000 / rate).toFixed(3)]);
}
process.stdout.write(`${table.toString()}\n`);
const sm2Sign = rows[0] ? 1000 / rows[0].perSecond : 0;
const sm2Proxy = rows[2] ? 1000 / rows[2].perWallSecond : 0;
process.stdout.write(
  `proxy overhead per SM2 signature (HTTP round trip, auth, queue, JSON): ${(sm2Proxy - sm2Sign).toFixed(2)} ms over the signature itself (one at a time, loopback)\n`,
);

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { quietProxyLog } from '#signer-proxy/log.ts';
import { type SignerProxy, startSignerProxy } from '#signer-proxy/server.ts';
import { softBackend } from '#signer-proxy/soft-backend.ts';
import { runLocalDemo } from '#test/helpers/demo-run.ts';
import { scratchDir } from '#test/helpers/scratch-dir.ts';

/** `ceb-grab signer` in front of an RSA key (an old card), spoken to over chinaport-data-signature's protocol. */
const material = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '0147e07b' });
const certFile = join(scratchDir('ceb-grab-chinaport-'), 'card.cert.pem');
writeFileSync(certFile, material.certificatePem);
let proxy: SignerProxy;
before(async () => {
  proxy = await startSignerProxy({
    backend: softBackend({ ...material, keyId: 'default' }),
    token: 'test-token-chinaport-00112233445566778899',
    log: quietProxyLog,
  });
});
after(async () => {
  await proxy?.close();
});

it('the local run gets 20 of 20 grabs accepted with SIGNER_KIND=hsm-proxy and HSM_PROXY_PROTOCOL=chinaport-data-signature', async () => {
  const { result, signer } = await runLocalDemo({
    SIGNER_KIND: 'hsm-proxy',
    HSM_PROXY_PROTOCOL: 'chinaport-data-signature',
    HSM_PROXY_URL: proxy.url,
    HSM_PROXY_TOKEN: 'test-token-chinaport-00112233445566778899',
    // That protocol cannot tell its signing certificate: the operator gives it.
    HSM_PROXY_CERT: certFile,
  });
  assert.match(signer, /^hsm-proxy \(chinaport-data-signature/);
  assert.equal(result.accepted, 20, JSON.stringify(result.sessions.filter((s) => s.state !== 'uploaded')));
  assert.ok(result.sessions.every((s) => s.certNo === '0147e07b'));
  // Every upload was signed by the proxy, not by a key in the worker.
  assert.ok(proxy.stats().signatures >= 20, `the proxy made ${proxy.stats().signatures} signatures`);
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { quietProxyLog } from '#signer-proxy/log.ts';
import { type SignerProxy, startSignerProxy } from '#signer-proxy/server.ts';
import { softBackend } from '#signer-proxy/soft-backend.ts';
import { runLocalDemo } from '#test/helpers/demo-run.ts';

/** `ceb-grab signer` in front of an old RSA card's key (a 4-byte serial), spoken to over our own protocol. */
const material = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '013e20e7' });
let proxy: SignerProxy;
before(async () => {
  proxy = await startSignerProxy({
    backend: softBackend({ ...material, keyId: 'default' }),
    token: 'test-token-ceb-grab-00112233445566778899',
    log: quietProxyLog,
  });
});
after(async () => {
  await proxy?.close();
});

it('the local run gets 20 of 20 grabs accepted with SIGNER_KIND=hsm-proxy and HSM_PROXY_PROTOCOL=ceb-grab', async () => {
  const { result, signer } = await runLocalDemo({
    SIGNER_KIND: 'hsm-proxy',
    HSM_PROXY_PROTOCOL: 'ceb-grab',
    HSM_PROXY_URL: proxy.url,
    HSM_PROXY_TOKEN: 'test-token-ceb-grab-00112233445566778899',
  });
  assert.match(signer, /^hsm-proxy \(ceb-grab/);
  assert.equal(result.accepted, 20, JSON.stringify(result.sessions.filter((s) => s.state !== 'uploaded')));
  assert.ok(result.sessions.every((s) => s.certNo === '013e20e7'));
  // Every upload was signed by the proxy, not by a key in the worker.
  assert.ok(proxy.stats().signatures >= 20, `the proxy made ${proxy.stats().signatures} signatures`);
});

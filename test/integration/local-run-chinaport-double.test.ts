import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import {
  type ChinaportProxyDouble,
  startChinaportProxyDouble,
} from '#doubles/chinaport-proxy-double/server.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { runLocalDemo } from '#test/helpers/demo-run.ts';
import { scratchDir } from '#test/helpers/scratch-dir.ts';

/**
 * The local stack against the chinaport-data-signature double: it crosses overlapping requests and
 * its certificate download is another certificate (bare base64), like the real proxy.
 */
const card = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '013b5b11' });
const certFile = join(scratchDir('ceb-grab-chinaport-'), 'card.cert.pem');
writeFileSync(certFile, card.certificatePem);
let proxy: ChinaportProxyDouble;
before(async () => {
  proxy = await startChinaportProxyDouble({ certificate: card, token: 'DefaultAuthToken', latencyMs: 10 });
});
after(() => proxy?.close());

it('50 grabs through the chinaport double all end uploaded with the 8-digit certNo, one request at a time', async () => {
  const { result, signer } = await runLocalDemo(
    {
      SIGNER_KIND: 'hsm-proxy',
      HSM_PROXY_PROTOCOL: 'chinaport-data-signature',
      HSM_PROXY_URL: proxy.url,
      HSM_PROXY_TOKEN: 'DefaultAuthToken',
      HSM_PROXY_CERT: certFile,
    },
    { grabs: 50 },
  );
  assert.match(signer, /^hsm-proxy \(chinaport-data-signature/);
  assert.equal(result.total, 50);
  assert.equal(result.accepted, 50, JSON.stringify(result.sessions.filter((s) => s.state !== 'uploaded')));
  assert.ok(result.sessions.every((s) => s.certNo === '013b5b11'));
  const counts = proxy.counts();
  assert.equal(counts.maxInFlight, 1, 'the worker never had two requests in flight at the proxy');
  assert.equal(counts.crossed, 0);
  assert.ok(counts.signatures >= 50, `the proxy made ${counts.signatures} signatures`);
});

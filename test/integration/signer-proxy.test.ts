import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { HsmProxyProtocol } from '#adapters/signers/hsm-proxy-protocol.ts';
import { HsmProxySigner, type SignerLog } from '#adapters/signers/hsm-proxy-signer.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { ConfigError, SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';
import { makeThrowawayCertificate, type ThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { quietProxyLog } from '#signer-proxy/log.ts';
import { type SignerProxy, startSignerProxy } from '#signer-proxy/server.ts';
import { softBackend } from '#signer-proxy/soft-backend.ts';
import { freePort, keyFor, SIGN_SOURCE, slowBackend, TOKEN } from './signer-proxy-fixtures.ts';

const PROTOCOLS: HsmProxyProtocol[] = ['ceb-grab', 'chinaport-data-signature'];
const quiet: SignerLog = { warn() {}, error() {} };

const backendOf = (m: ThrowawayCertificate, keyId = 'default') =>
  softBackend({ privateKeyPem: m.privateKeyPem, certificatePem: m.certificatePem, keyId });
const start = (m: ThrowawayCertificate, opts: { delayMs?: number; port?: number } = {}) =>
  startSignerProxy({
    backend: opts.delayMs ? slowBackend(backendOf(m), opts.delayMs) : backendOf(m),
    token: TOKEN,
    log: quietProxyLog,
    ...(opts.port === undefined ? {} : { port: opts.port }),
  });
const signerFor = (
  proxy: { url: string },
  protocol: HsmProxyProtocol,
  opts: Partial<ConstructorParameters<typeof HsmProxySigner>[0]> = {},
) =>
  new HsmProxySigner({
    url: proxy.url,
    protocol,
    token: async () => TOKEN,
    retryMinMs: 20,
    log: quiet,
    ...opts,
  });

describe('HsmProxySigner against `ceb-grab signer` (software key)', () => {
  const sm2 = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
  const rsa = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });
  const proxies: SignerProxy[] = [];
  let sm2Proxy: SignerProxy;
  let rsaProxy: SignerProxy;
  before(async () => {
    sm2Proxy = await start(sm2);
    rsaProxy = await start(rsa);
    proxies.push(sm2Proxy, rsaProxy);
  });
  after(() => Promise.all(proxies.map((p) => p.close())));

  for (const protocol of PROTOCOLS) {
    for (const [name, material, proxy] of [
      ['SM2', sm2, () => sm2Proxy],
      ['RSA', rsa, () => rsaProxy],
    ] as const) {
      it(`${protocol}: an ${name} signature verifies against the registered certificate`, async () => {
        const key = keyFor(material);
        const result = await signerFor(proxy(), protocol).sign(SIGN_SOURCE, key);
        assert.equal(result.certNo, material.certNo);
        assert.equal(result.algorithm, key.certificate.algorithm);
        assert.deepEqual(verifySignature({ signSource: SIGN_SOURCE, ...result }, key.certificate), {
          ok: true,
        });
        // The exact bytes were signed: one character more and it no longer verifies.
        assert.equal(
          verifySignature({ signSource: `${SIGN_SOURCE} `, ...result }, key.certificate).ok,
          false,
        );
      });
    }

    it(`${protocol}: describeKey returns the certificate the proxy signs with (ours only)`, async () => {
      if (protocol === 'chinaport-data-signature') {
        // Its download is the card's encryption certificate: the signing one comes from the operator.
        await assert.rejects(signerFor(sm2Proxy, protocol).describeKey('default'), ConfigError);
        return;
      }
      const description = await signerFor(sm2Proxy, protocol).describeKey('default');
      assert.equal(description.certNo, sm2.certNo);
      assert.equal(description.algorithm, 'SM3withSM2');
      assert.match(description.certificate, /BEGIN CERTIFICATE/);
      assert.ok(Date.parse(description.notAfter) > Date.now());
    });

    it(`${protocol}: a proxy holding another certificate is refused for good, naming both certNos`, async () => {
      const other = makeThrowawayCertificate();
      await assert.rejects(signerFor(sm2Proxy, protocol).sign(SIGN_SOURCE, keyFor(other)), (e: Error) => {
        assert.ok(e instanceof SignerRejectedError);
        assert.match(e.message, new RegExp(`${sm2.certNo}.*${other.certNo}`));
        return true;
      });
    });

    it(`${protocol}: a bad token is permanent and not retried`, async () => {
      const proxy = await start(sm2);
      proxies.push(proxy);
      const signer = signerFor(proxy, protocol, { token: async () => 'not-the-token', tries: 3 });
      await assert.rejects(signer.sign(SIGN_SOURCE, keyFor(sm2)), (e: Error) => {
        assert.ok(e instanceof SignerRejectedError);
        assert.match(e.message, /token/);
        assert.doesNotMatch(e.message, /not-the-token/);
        return true;
      });
      assert.equal(proxy.stats().errors.UNAUTHORIZED, 1, 'one request, no retry');
      assert.equal(proxy.stats().signatures, 0);
    });

    it(`${protocol}: a slow proxy times out as retryable, without piling retries on it`, async () => {
      const proxy = await start(sm2, { delayMs: 1_000 });
      proxies.push(proxy);
      await assert.rejects(
        signerFor(proxy, protocol, { timeoutMs: 150, tries: 3 }).sign(SIGN_SOURCE, keyFor(sm2)),
        (e: Error) => {
          assert.ok(e instanceof SignerUnavailableError);
          assert.equal((e as SignerUnavailableError).retryable, true);
          assert.match(e.message, /did not answer within 150 ms/);
          return true;
        },
      );
      // Retried attempts would all have been sent before the rejection; give them time to arrive.
      await delay(200);
      assert.ok(proxy.stats().requests <= 1, `${proxy.stats().requests} requests reached the proxy`);
    });
  }

  it('ceb-grab: an unknown key id and a wrong algorithm are refused for good', async () => {
    const signer = signerFor(sm2Proxy, 'ceb-grab');
    await assert.rejects(signer.sign(SIGN_SOURCE, keyFor(sm2, 'another-key')), (e: Error) => {
      assert.ok(e instanceof SignerRejectedError);
      assert.match(e.message, /UNKNOWN_KEY/);
      return true;
    });
    // Registered as RSA, but the proxy's key is SM2.
    const registeredRsa = { ...keyFor(rsa), certificate: { ...keyFor(rsa).certificate, certNo: sm2.certNo } };
    await assert.rejects(signer.sign(SIGN_SOURCE, registeredRsa), (e: Error) => {
      assert.ok(e instanceof SignerRejectedError);
      assert.match(e.message, /WRONG_ALGORITHM/);
      return true;
    });
  });

  it('holds at most maxConcurrent requests in flight at the proxy; the rest wait their turn', async () => {
    const limited = await start(sm2, { delayMs: 25 });
    const unlimited = await start(sm2, { delayMs: 25 });
    proxies.push(limited, unlimited);
    const key = keyFor(sm2);
    const run = (proxy: SignerProxy, maxConcurrent: number) => {
      const signer = signerFor(proxy, 'ceb-grab', { maxConcurrent });
      return Promise.all(Array.from({ length: 8 }, (_, i) => signer.sign(`${SIGN_SOURCE}${i}`, key)));
    };
    const results = await run(limited, 2);
    assert.equal(results.length, 8);
    assert.equal(limited.stats().signatures, 8);
    assert.equal(limited.stats().maxInFlight, 2);
    // The same burst without the limit floods the proxy: the limit is what held it back.
    await run(unlimited, 8);
    assert.ok(unlimited.stats().maxInFlight > 2, `maxInFlight ${unlimited.stats().maxInFlight}`);
  });

  it('retries a refused connection and signs once the proxy is up', async () => {
    const port = await freePort();
    const key = keyFor(sm2);
    const url = `http://127.0.0.1:${port}`;
    await assert.rejects(
      new HsmProxySigner({ url, protocol: 'ceb-grab', token: async () => TOKEN, tries: 1, log: quiet }).sign(
        SIGN_SOURCE,
        key,
      ),
      (e: Error) => e instanceof SignerUnavailableError && /could not be reached/.test(e.message),
    );
    const signer = new HsmProxySigner({
      url,
      protocol: 'ceb-grab',
      token: async () => TOKEN,
      tries: 3,
      retryMinMs: 400,
      log: quiet,
    });
    const signing = signer.sign(SIGN_SOURCE, key);
    await delay(100);
    const proxy = await start(sm2, { port });
    proxies.push(proxy);
    const result = await signing;
    assert.deepEqual(verifySignature({ signSource: SIGN_SOURCE, ...result }, key.certificate), { ok: true });
    assert.equal(proxy.stats().signatures, 1);
  });

  it('/health shows the key, its validity and the per-signature timings', async () => {
    const res = await fetch(`${sm2Proxy.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    const health = (await res.json()) as Record<string, unknown> & { stats: Record<string, unknown> };
    assert.equal(health.status, 'ok');
    assert.equal(health.backend, 'soft');
    assert.equal(health.certNo, sm2.certNo);
    assert.ok((health.expiresInDays as number) > 300);
    assert.ok((health.stats.signatures as number) > 0);
    assert.equal(typeof (health.stats.averageMs as Record<string, number>).overhead, 'number');
  });
});

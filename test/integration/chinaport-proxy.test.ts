import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { CHINAPORT_CERT_PATH, CHINAPORT_SIGN_PATH } from '#adapters/signers/hsm-proxy-protocol.ts';
import { HsmProxySigner, type SignerLog } from '#adapters/signers/hsm-proxy-signer.ts';
import { PinGuard } from '#adapters/signers/pin-guard.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { ConfigError, SignerRejectedError, SignerSuspectPinError } from '#core/errors.ts';
import {
  type ChinaportProxyDouble,
  startChinaportProxyDouble,
} from '#doubles/chinaport-proxy-double/server.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { keyFor, SIGN_SOURCE, TOKEN } from './signer-proxy-fixtures.ts';

/**
 * HsmProxySigner against the chinaport-data-signature double, which behaves as that proxy's public
 * code does: HTTP 200 with a `code` envelope, results crossed between overlapping requests, and a
 * certificate download that is the card's encryption certificate in bare base64.
 */
const quiet: SignerLog = { warn() {}, error() {} };
const card = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '011f03d1' });
const key = keyFor(card);
let proxy: ChinaportProxyDouble;
before(async () => {
  proxy = await startChinaportProxyDouble({ certificate: card, token: TOKEN, latencyMs: 30 });
});
after(() => proxy?.close());

const signer = (opts: { token?: string; maxConcurrent?: number } = {}) =>
  new HsmProxySigner({
    url: proxy.url,
    protocol: 'chinaport-data-signature',
    token: async () => opts.token ?? TOKEN,
    retryMinMs: 5,
    log: quiet,
    ...(opts.maxConcurrent === undefined ? {} : { maxConcurrent: opts.maxConcurrent }),
  });

const post = (at: ChinaportProxyDouble, data: string) =>
  fetch(`${at.url}${CHINAPORT_SIGN_PATH}`, {
    method: 'POST',
    headers: { 'x-auth-token-eport-sign': TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 1, data }),
  }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as { code: number; data: { certNo: string; signatureValue: string } },
  }));

describe('the chinaport-data-signature double', () => {
  it('crosses the results of two overlapping requests, as the real proxy does', async (t) => {
    const other = await startChinaportProxyDouble({ certificate: card, token: TOKEN, latencyMs: 30 });
    t.after(() => other.close());
    const [a, b] = await Promise.all([post(other, 'source A'), post(other, 'source B')]);
    const cert = parseCertificate(card.certificatePem);
    const verifies = (text: string, r: typeof a) =>
      verifySignature(
        { signSource: text, signValue: r.body.data.signatureValue, certNo: r.body.data.certNo },
        cert,
      ).ok;
    assert.equal(a.status, 200);
    assert.equal(a.body.code, 200);
    // The first request got the signature of the second one's data.
    assert.equal(verifies('source A', a), false);
    assert.equal(verifies('source B', a), true);
    assert.equal(verifies('source B', b), true);
    assert.deepEqual([other.counts().crossed, other.counts().maxInFlight], [1, 2]);
  });

  it('serves a different certificate, bare base64, at its certificate download', async () => {
    const res = await fetch(`${proxy.url}${CHINAPORT_CERT_PATH}`, {
      headers: { 'x-auth-token-eport-sign': TOKEN },
    });
    const text = await res.text();
    assert.equal(res.headers.get('content-type'), 'application/x-x509-ca-cert');
    assert.doesNotMatch(text, /BEGIN CERTIFICATE/);
    const der = Buffer.from(text, 'base64').toString('base64');
    assert.equal(der, text);
    assert.notEqual(text, card.certificatePem.replace(/-----[^-]+-----|\s+/g, ''));
  });
});

describe('HsmProxySigner with chinaport-data-signature', () => {
  it('never has two requests in flight at the proxy: 40 signatures from two signers at once all verify', async () => {
    const start = proxy.counts();
    const signers = [signer(), signer()];
    const sources = Array.from({ length: 40 }, (_, i) => `${SIGN_SOURCE}#${i}`);
    const results = await Promise.all(sources.map((s, i) => (signers[i % 2] as HsmProxySigner).sign(s, key)));
    for (const [i, r] of results.entries()) {
      assert.equal(r.certNo, '011f03d1');
      assert.ok(
        verifySignature({ signSource: sources[i] as string, ...r }, key.certificate).ok,
        `signature ${i}`,
      );
    }
    const end = proxy.counts();
    assert.equal(end.signatures - start.signatures, 40, 'each signed once: none had to be asked again');
    assert.equal(end.crossed, start.crossed, 'no result was crossed');
    assert.equal(end.maxInFlight, 1, 'never two requests in flight at once');
  });

  it('refuses more than one request in flight with a clear config error', () => {
    assert.throws(
      () => signer({ maxConcurrent: 4 }),
      (e: Error) =>
        e instanceof ConfigError && /crosses the signatures of overlapping requests/.test(e.message),
    );
  });

  it('a bad token (code 401 under HTTP 200) is permanent; 加签失败 (code 500) is SIGNER_SUSPECT_PIN, asked once', async () => {
    const before = proxy.counts().requests;
    await assert.rejects(signer({ token: 'wrong' }).sign(SIGN_SOURCE, key), (e: Error) => {
      assert.ok(e instanceof SignerRejectedError);
      assert.match(e.message, /refused our token \(code 401: Unauthorized\)/);
      return true;
    });
    proxy.failNext(1);
    await assert.rejects(signer().sign(SIGN_SOURCE, key), SignerSuspectPinError);
    assert.equal(proxy.counts().requests - before, 2, 'neither was asked again');
  });

  it('a wrong PIN at the proxy: requests queued behind the failure are not sent; after the cool-down one probe signs', async () => {
    const pinGuard = new PinGuard({ signerId: proxy.url, coolDownMs: 300 });
    const guarded = new HsmProxySigner({
      url: proxy.url,
      protocol: 'chinaport-data-signature',
      token: async () => TOKEN,
      log: quiet,
      pinGuard,
    });
    const before = proxy.counts().wrongPins;
    proxy.setPinWrong(true);
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, () => guarded.sign(SIGN_SOURCE, key)),
      );
      assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof SignerSuspectPinError));
      assert.equal(proxy.counts().wrongPins - before, 1, 'the card was presented the wrong PIN once');
    } finally {
      proxy.setPinWrong(false); // the operator fixed it at the proxy
    }
    await assert.rejects(guarded.sign(SIGN_SOURCE, key), /tried once more in/);
    await delay(350);
    const result = await guarded.sign(SIGN_SOURCE, key);
    assert.ok(verifySignature({ signSource: SIGN_SOURCE, ...result }, key.certificate).ok);
    assert.equal(proxy.counts().locked, false);
  });

  it('never takes the certificate from the proxy: its download is the encryption certificate', async () => {
    await assert.rejects(signer().describeKey('any'), /HSM_PROXY_CERT/);
  });
});

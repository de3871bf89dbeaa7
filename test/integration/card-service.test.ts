import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { HsmProxyProtocol } from '#adapters/signers/hsm-proxy-protocol.ts';
import {
  HsmProxySigner,
  type HsmProxySignerOptions,
  type SignerLog,
} from '#adapters/signers/hsm-proxy-signer.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { SignerSuspectPinError, SignerUnavailableError } from '#core/errors.ts';
import { type CardServiceDouble, startCardServiceDouble } from '#doubles/card-service-double/server.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { cardBackend } from '#signer-proxy/card-backend.ts';
import { quietProxyLog } from '#signer-proxy/log.ts';
import { type SignerProxy, startSignerProxy } from '#signer-proxy/server.ts';
import { keyFor, SIGN_SOURCE, TOKEN } from './signer-proxy-fixtures.ts';

const PIN = '88888888';
const quiet: SignerLog = { warn() {}, error() {} };

/** `ceb-grab signer --card` in front of the card service double, and a signer to talk to it. */
async function cardProxy(card: CardServiceDouble, opts: { pin?: string; timeoutMs?: number } = {}) {
  const proxy = await startSignerProxy({
    backend: cardBackend({
      url: card.url,
      pin: opts.pin ?? PIN,
      keyId: 'ukey-1',
      timeoutMs: opts.timeoutMs ?? 2_000,
      connectWaitMs: 200,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      log: quietProxyLog,
    }),
    token: TOKEN,
    log: quietProxyLog,
  });
  const signer = (protocol: HsmProxyProtocol = 'ceb-grab', o: Partial<HsmProxySignerOptions> = {}) =>
    new HsmProxySigner({
      url: proxy.url,
      protocol,
      token: async () => TOKEN,
      retryMinMs: 20,
      log: quiet,
      ...o,
    });
  return { proxy, signer };
}

const health = async (proxy: SignerProxy) => {
  const res = await fetch(`${proxy.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return {
    status: res.status,
    body: (await res.json()) as { status: string; problem?: string; certNo?: string },
  };
};

describe('`ceb-grab signer --card` against the card service double', () => {
  let card: CardServiceDouble;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    card = await startCardServiceDouble({ pin: PIN });
    closers.push(card.close);
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  for (const protocol of ['ceb-grab', 'chinaport-data-signature'] as const) {
    it(`${protocol}: the card's SM2 signature verifies against its certificate`, async () => {
      const { proxy, signer } = await cardProxy(card);
      closers.push(proxy.close);
      const key = keyFor(card.certificate, 'ukey-1');
      const result = await signer(protocol).sign(SIGN_SOURCE, key);
      assert.equal(result.certNo, card.certificate.certNo);
      assert.deepEqual(verifySignature({ signSource: SIGN_SOURCE, ...result }, key.certificate), {
        ok: true,
      });
    });
  }

  it("reads the card's certificate (sent as bare base64) and reports it at /health", async () => {
    const { proxy, signer } = await cardProxy(card);
    closers.push(proxy.close);
    const description = await signer().describeKey('ukey-1');
    assert.equal(description.certNo, card.certificate.certNo);
    assert.match(description.certificate, /^-----BEGIN CERTIFICATE-----\n/);
    const h = await health(proxy);
    assert.equal(h.status, 200);
    assert.equal(h.body.certNo, card.certificate.certNo);
  });

  it('a failure nobody can classify (a wrong PIN among them) is SIGNER_SUSPECT_PIN, never echoed, and the PIN is not sent again', async () => {
    const { proxy, signer } = await cardProxy(card, { pin: '12345678' });
    closers.push(proxy.close);
    const key = keyFor(card.certificate, 'ukey-1');
    const before = card.counts().wrongPins;
    for (let i = 0; i < 4; i++) {
      await assert.rejects(signer('ceb-grab', { tries: 3 }).sign(SIGN_SOURCE, key), (e: Error) => {
        assert.ok(e instanceof SignerSuspectPinError, String(e));
        assert.equal((e as SignerSuspectPinError).retryable, true, 'the session waits, it does not fail');
        assert.match(e.message, /SUSPECT_PIN/);
        assert.doesNotMatch(e.message, /12345678/);
        return true;
      });
    }
    assert.equal(card.counts().wrongPins - before, 1, 'the card saw the wrong PIN once: it must not lock');
    assert.equal(card.counts().locked, false);
    const h = await health(proxy);
    assert.equal(h.status, 503);
    assert.match(h.body.problem ?? '', /PIN is not presented again.*restart the signer with --pin-file/);
  });

  it('a restart with the right PIN signs again: the card was presented the wrong one once per restart', async () => {
    const fresh = await startCardServiceDouble({ pin: PIN });
    closers.push(fresh.close);
    const key = keyFor(fresh.certificate, 'ukey-1');
    for (let restart = 0; restart < 2; restart++) {
      const wrong = await cardProxy(fresh, { pin: `0000000${restart}` });
      for (let i = 0; i < 3; i++)
        await assert.rejects(wrong.signer().sign(SIGN_SOURCE, key), SignerSuspectPinError);
      await wrong.proxy.close();
    }
    assert.deepEqual([fresh.counts().wrongPins, fresh.counts().locked], [2, false]);
    const right = await cardProxy(fresh);
    closers.push(right.proxy.close);
    const result = await right.signer().sign(SIGN_SOURCE, key);
    assert.ok(verifySignature({ signSource: SIGN_SOURCE, ...result }, key.certificate).ok);
  });

  it('reader errors 50070 and 50200 are "card unavailable": retryable, and the PIN may be presented again', async () => {
    const { proxy, signer } = await cardProxy(card);
    closers.push(proxy.close);
    const key = keyFor(card.certificate, 'ukey-1');
    try {
      for (const code of ['50070', '50200'] as const) {
        card.readerFault(code);
        await assert.rejects(signer('ceb-grab', { tries: 1 }).sign(SIGN_SOURCE, key), (e: Error) => {
          assert.ok(e instanceof SignerUnavailableError && !(e instanceof SignerSuspectPinError), String(e));
          assert.match(e.message, new RegExp(`DEVICE_UNAVAILABLE.*${code}`));
          return true;
        });
      }
    } finally {
      card.readerFault(undefined);
    }
    await signer().sign(SIGN_SOURCE, key);
  });

  it('ignores the greeting, reads one request at a time, and takes the certNo the card reports', async () => {
    const upper = await startCardServiceDouble({
      pin: PIN,
      latencyMs: 20,
      certificate: makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '011f03d1' }),
      certNo: '011F03D1',
    });
    closers.push(upper.close);
    const { proxy, signer } = await cardProxy(upper);
    closers.push(proxy.close);
    const key = keyFor(upper.certificate, 'ukey-1');
    const results = await Promise.all([
      signer().describeKey('ukey-1'),
      ...Array.from({ length: 4 }, () => signer().sign(SIGN_SOURCE, key)),
    ]);
    assert.equal(upper.counts().overlapping, 0, 'the card service never had two requests at once');
    for (const r of results) assert.equal(r.certNo, '011f03d1');
  });

  it('unplugged mid-run: retryable errors, then signs again once the service is back', async () => {
    const spare = await startCardServiceDouble({ pin: PIN, latencyMs: 200 });
    closers.push(spare.close);
    const { proxy, signer } = await cardProxy(spare);
    closers.push(proxy.close);
    const key = keyFor(spare.certificate, 'ukey-1');
    const once = signer('ceb-grab', { tries: 1 });
    await once.sign(SIGN_SOURCE, key);

    const inFlight = once.sign(SIGN_SOURCE, key);
    await delay(50);
    await spare.unplug();
    await assert.rejects(inFlight, (e: Error) => {
      assert.ok(e instanceof SignerUnavailableError, String(e));
      assert.match(e.message, /DEVICE_UNAVAILABLE/);
      return true;
    });
    await assert.rejects(once.sign(SIGN_SOURCE, key), SignerUnavailableError);
    assert.equal((await health(proxy)).status, 503);

    await spare.plugIn();
    spare.setLatency(0);
    const result = await signer('ceb-grab', { tries: 5, retryMinMs: 100 }).sign(SIGN_SOURCE, key);
    assert.deepEqual(verifySignature({ signSource: SIGN_SOURCE, ...result }, key.certificate), { ok: true });
    assert.equal((await health(proxy)).status, 200);
  });

  it('a reader without its card is retryable, and signs when the card is back', async () => {
    const { proxy, signer } = await cardProxy(card);
    closers.push(proxy.close);
    const key = keyFor(card.certificate, 'ukey-1');
    card.removeCard();
    try {
      await assert.rejects(signer('ceb-grab', { tries: 1 }).sign(SIGN_SOURCE, key), (e: Error) => {
        assert.ok(e instanceof SignerUnavailableError, String(e));
        assert.match(e.message, /复位读卡器失败/);
        return true;
      });
    } finally {
      card.insertCard();
    }
    await signer().sign(SIGN_SOURCE, key);
  });

  it('a card that does not answer in time is a retryable timeout', async () => {
    const slow = await startCardServiceDouble({ pin: PIN, latencyMs: 400 });
    closers.push(slow.close);
    const { proxy, signer } = await cardProxy(slow, { timeoutMs: 100 });
    closers.push(proxy.close);
    await assert.rejects(
      signer('ceb-grab', { tries: 1 }).sign(SIGN_SOURCE, keyFor(slow.certificate, 'ukey-1')),
      (e: Error) => {
        assert.ok(e instanceof SignerUnavailableError, String(e));
        assert.match(e.message, /TIMEOUT/);
        return true;
      },
    );
  });
});

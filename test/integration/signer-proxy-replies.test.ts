import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { HsmProxyProtocol } from '#adapters/signers/hsm-proxy-protocol.ts';
import { HsmProxySigner, type SignerLog } from '#adapters/signers/hsm-proxy-signer.ts';
import { SignerRejectedError, SignerSuspectPinError, SignerUnavailableError } from '#core/errors.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { keyFor, SIGN_SOURCE, startCannedProxy, TOKEN } from './signer-proxy-fixtures.ts';

/**
 * Proxies that answer in ways `ceb-grab signer` never does: chinaport-data-signature's own shapes
 * (failures with HTTP 200 and a `code`), gateways' HTML pages, and replies missing their signature.
 */
const quiet: SignerLog = { warn() {}, error() {} };
const material = makeThrowawayCertificate();
const key = keyFor(material);
const closers: (() => Promise<void>)[] = [];
after(() => Promise.all(closers.map((c) => c())));

async function signAgainst(
  protocol: HsmProxyProtocol,
  reply: Parameters<typeof startCannedProxy>[0],
): Promise<{ error: unknown; requests: number }> {
  const proxy = await startCannedProxy(reply);
  closers.push(proxy.close);
  const signer = new HsmProxySigner({
    url: proxy.url,
    protocol,
    token: async () => TOKEN,
    tries: 3,
    retryMinMs: 5,
    log: quiet,
  });
  const error = await signer.sign(SIGN_SOURCE, key).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, requests: proxy.requests() };
}

describe('HsmProxySigner reading what proxies answer', () => {
  it('chinaport: its 401-in-a-200 (bad token) is permanent and not retried', async () => {
    const { error, requests } = await signAgainst('chinaport-data-signature', () => ({
      status: 200,
      body: { code: 401, success: false, message: 'Unauthorized', data: null },
    }));
    assert.ok(error instanceof SignerRejectedError, String(error));
    assert.match(error.message, /refused our token/);
    assert.equal(requests, 1);
  });

  it('chinaport: its "加签失败" (which a wrong PIN also gives) waits as SIGNER_SUSPECT_PIN, not tried again at once', async () => {
    const { error, requests } = await signAgainst('chinaport-data-signature', () => ({
      status: 200,
      body: { code: 500, success: false, message: '加签失败', data: null },
    }));
    assert.ok(error instanceof SignerSuspectPinError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /^SIGNER_SUSPECT_PIN: .*加签失败/);
    assert.equal(requests, 1, 'the card is not presented the PIN again');
  });

  it('chinaport: 10000 and 10001 (the proxy refused the request itself) are permanent, with its message', async () => {
    for (const body of [
      { code: 10001, success: false, message: '参数校验失败', data: { data: '不能为空' } },
      { code: 10000, success: false, message: 'error', data: 'Caused by: java.lang.NullPointerException' },
    ]) {
      const { error, requests } = await signAgainst('chinaport-data-signature', () => ({
        status: 200,
        body,
      }));
      assert.ok(error instanceof SignerRejectedError, String(error));
      assert.match(error.message, new RegExp(`code ${body.code}: ${body.message}`));
      assert.match(error.message, body.code === 10001 ? /不能为空/ : /NullPointerException/);
      assert.equal(requests, 1);
    }
  });

  it("chinaport: a gateway's 502 page (no envelope) is retryable and retried", async () => {
    const { error, requests } = await signAgainst('chinaport-data-signature', () => ({
      status: 502,
      body: '<html><body>Bad Gateway</body></html>',
    }));
    assert.ok(
      error instanceof SignerUnavailableError && !(error instanceof SignerSuspectPinError),
      String(error),
    );
    assert.equal(requests, 3);
  });

  it('chinaport: a success without signatureValue is an error, never an undefined signValue', async () => {
    const { error } = await signAgainst('chinaport-data-signature', () => ({
      status: 200,
      body: { code: 200, success: true, data: { success: true, certNo: material.certNo } },
    }));
    assert.ok(error instanceof SignerRejectedError, String(error));
    assert.match(error.message, /signatureValue/);
  });

  it('chinaport: sends the sign source as text with the token in x-auth-token-eport-sign', async () => {
    let seen: { token?: string | string[] | undefined; body?: unknown } = {};
    await signAgainst('chinaport-data-signature', (req, body) => {
      seen = { token: req.headers['x-auth-token-eport-sign'], body: JSON.parse(body) };
      return { status: 200, body: { code: 500, success: false, message: '加签失败' } };
    });
    assert.equal(seen.token, TOKEN);
    assert.deepEqual(seen.body, { id: 1, data: SIGN_SOURCE });
  });

  it('ceb-grab: a reply without signValue is an error naming the field', async () => {
    const { error } = await signAgainst('ceb-grab', (_req, body) => ({
      status: 200,
      body: { requestId: JSON.parse(body).requestId, certNo: material.certNo, algorithm: 'SM3withSM2' },
    }));
    assert.ok(error instanceof SignerRejectedError, String(error));
    assert.match(error.message, /signValue/);
  });

  it('ceb-grab: a reply to another request is never used', async () => {
    const { error } = await signAgainst('ceb-grab', () => ({
      status: 200,
      body: {
        requestId: 'someone-else',
        signValue: 'AAAA',
        certNo: material.certNo,
        algorithm: 'SM3withSM2',
      },
    }));
    assert.ok(error instanceof SignerRejectedError, String(error));
    assert.match(error.message, /another request/);
  });

  it("ceb-grab: a gateway's 502 page is retryable and retried", async () => {
    const { error, requests } = await signAgainst('ceb-grab', () => ({
      status: 502,
      body: '<html><body>Bad Gateway</body></html>',
    }));
    assert.ok(error instanceof SignerUnavailableError, String(error));
    assert.match(error.message, /HTTP 502/);
    assert.equal(requests, 3);
  });

  it('ceb-grab: a PIN the card may have refused waits as SIGNER_SUSPECT_PIN and is not tried again', async () => {
    for (const [status, code] of [
      [422, 'BAD_PIN'],
      [503, 'SUSPECT_PIN'],
    ] as const) {
      const { error, requests } = await signAgainst('ceb-grab', () => ({
        status,
        body: { error: { code, message: 'the card did not sign', retryable: status === 503 } },
      }));
      assert.ok(error instanceof SignerSuspectPinError, String(error));
      assert.match(error.message, new RegExp(`SIGNER_SUSPECT_PIN: .*${code}`));
      assert.equal(requests, 1);
    }
  });

  it('never follows a redirect: the token and the sign source stay where HSM_PROXY_URL points', async () => {
    const elsewhere = await startCannedProxy(() => ({ status: 200, body: {} }));
    closers.push(elsewhere.close);
    for (const protocol of ['ceb-grab', 'chinaport-data-signature'] as const) {
      const { error, requests } = await signAgainst(protocol, () => ({
        status: 307,
        body: '',
        headers: { location: `${elsewhere.url}/steal` },
      }));
      assert.ok(error instanceof SignerRejectedError, String(error));
      assert.match(error.message, /redirect \(HTTP 307 to .*\/steal\), which is never followed/);
      assert.equal(requests, 1);
    }
    assert.equal(elsewhere.requests(), 0);
  });

  it('ceb-grab: sends the exact UTF-8 bytes in base64, with a bearer token', async () => {
    let seen: { auth?: string | undefined; data?: string; algorithm?: string } = {};
    await signAgainst('ceb-grab', (req, body) => {
      const parsed = JSON.parse(body) as { data: string; algorithm: string };
      seen = { auth: req.headers.authorization, data: parsed.data, algorithm: parsed.algorithm };
      return { status: 503, body: { error: { code: 'DEVICE_UNAVAILABLE', message: 'x', retryable: true } } };
    });
    assert.equal(seen.auth, `Bearer ${TOKEN}`);
    assert.equal(seen.algorithm, 'SM3withSM2');
    assert.deepEqual(Buffer.from(seen.data ?? '', 'base64'), Buffer.from(SIGN_SOURCE, 'utf8'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSigV4, type IamAuthOptions, type ReceivedRequest } from '#local/sigv4-check.ts';
import { signRequest } from '#local/sigv4-fetch.ts';

/**
 * The local API's stand-in for API Gateway's AWS_IAM check: what a platform engineer's signing code
 * learns locally, before a deploy. No network: requests are signed, then checked as received.
 */
const KEY = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };
const REGION = 'cn-north-1';
const HOST = '127.0.0.1:3000';
const MIN = 60_000;

async function signed(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  signing: { region?: string; credentials?: typeof KEY } = {},
): Promise<ReceivedRequest> {
  const { method, headers } = await signRequest(url, init, {
    region: signing.region ?? REGION,
    credentials: signing.credentials ?? KEY,
  });
  const u = new URL(url);
  return {
    method,
    host: HOST,
    path: u.pathname,
    query: u.searchParams,
    rawHeaders: ['Host', HOST, ...Object.entries(headers).flat()],
    body: Buffer.from(init.body ?? ''),
  };
}

const check = (req: ReceivedRequest, over: Partial<IamAuthOptions> = {}) =>
  checkSigV4(req, { region: REGION, credentials: [KEY], ...over });
const at = (offsetMs: number) => () => new Date(Date.now() + offsetMs);

describe('SigV4 on the local API (API Gateway AWS_IAM)', () => {
  it('admits a request signed by the SDK signer, naming its access key', async () => {
    const req = await signed(`http://${HOST}/orders/EV2026%2001/status?view=full&a=1`);
    assert.deepEqual(await check(req), { ok: true, accessKeyId: KEY.accessKeyId });
    const post = await signed(`http://${HOST}/payments`, {
      method: 'POST',
      body: '{"a":1}\n{"b":"支付"}',
      headers: { 'content-type': 'application/x-ndjson' },
    });
    assert.equal((await check(post)).ok, true);
  });

  it('no Authorization header: Missing Authentication Token', async () => {
    const req = await signed(`http://${HOST}/payments`, { method: 'POST', body: 'x' });
    const unsigned = { ...req, rawHeaders: ['Host', HOST] };
    assert.deepEqual(await check(unsigned), {
      ok: false,
      errorType: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('a path, query, method or signed header changed after signing is a signature mismatch', async () => {
    const req = await signed(`http://${HOST}/orders/EV1/status?x=1`, { headers: { 'x-platform': 'a' } });
    const changed: ReceivedRequest[] = [
      { ...req, path: '/orders/EV2/status' },
      { ...req, query: new URLSearchParams('x=2') },
      { ...req, method: 'POST' },
      { ...req, rawHeaders: req.rawHeaders.map((v) => (v === 'a' ? 'b' : v)) },
    ];
    for (const r of changed) {
      const out = await check(r);
      assert.equal(out.ok, false);
      assert.match(
        out.ok ? '' : `${out.errorType} ${out.message}`,
        /^InvalidSignatureException The request signature we calculated does not match/,
      );
    }
  });

  it('a body changed after signing is refused (the hash is of the body received)', async () => {
    const req = await signed(`http://${HOST}/payments`, { method: 'POST', body: '{"a":1}' });
    const out = await check({ ...req, body: Buffer.from('{"a":2}') });
    assert.equal(out.ok ? '' : out.errorType, 'InvalidSignatureException');
  });

  it('a date more than 15 minutes off either way is refused as API Gateway words it', async () => {
    const req = await signed(`http://${HOST}/payments`, { method: 'POST', body: 'x' });
    assert.equal((await check(req, { now: at(14 * MIN) })).ok, true);
    const late = await check(req, { now: at(16 * MIN) });
    assert.match(
      late.ok ? '' : late.message,
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/,
    );
    const early = await check(req, { now: at(-16 * MIN) });
    assert.match(early.ok ? '' : early.message, /^Signature not yet current: /);
  });

  it('an unknown access key id, another region or a wrong secret is refused', async () => {
    const url = `http://${HOST}/payments`;
    const stranger = await check(
      await signed(url, {}, { credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 's' } }),
    );
    assert.deepEqual(stranger.ok ? '' : stranger.errorType, 'UnrecognizedClientException');
    const region = await check(await signed(url, {}, { region: 'us-east-1' }));
    assert.match(region.ok ? '' : region.message, /scoped to a valid region, not 'us-east-1'/);
    const secret = await check(await signed(url, {}, { credentials: { ...KEY, secretAccessKey: 'wrong' } }));
    assert.equal(secret.ok ? '' : secret.errorType, 'InvalidSignatureException');
  });

  it('a malformed Authorization header names what it lacks', async () => {
    const req = await signed(`http://${HOST}/payments`);
    const out = await check({
      ...req,
      rawHeaders: ['Host', HOST, 'Authorization', 'AWS4-HMAC-SHA256 Credential=x'],
    });
    assert.equal(out.ok ? '' : out.errorType, 'IncompleteSignatureException');
    assert.match(out.ok ? '' : out.message, /requires 'Signature' parameter/);
  });
});

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { CallbackUnauthorizedError } from '#core/clearance/errors.ts';
import { readCredentials, signCallback, signedHeaders, verifyCallback } from '#core/clearance/signature.ts';

const SECRET = 'a-partner-secret-of-some-length';
const NOW = 1_795_300_000_000;
const body = Buffer.from('{"order_clearance_info_request":{"order_id":"SO-1"}}');

function refusal(fn: () => unknown): CallbackUnauthorizedError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CallbackUnauthorizedError, String(e));
    return e;
  }
  assert.fail('expected the callback to be refused');
}

describe('callback signatures', () => {
  it('is the hex HMAC-SHA256 of the timestamp, a newline and the body, as openssl computes it', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}\n${body.toString()}`).digest('hex');
    assert.equal(signCallback(SECRET, NOW, body), expected);
  });

  it('lets in a request signed with the partner secret within five minutes either way', () => {
    for (const skew of [0, -299_000, 299_000]) {
      const creds = readCredentials(signedHeaders('broker-1', SECRET, body, NOW + skew));
      assert.doesNotThrow(() => verifyCallback(creds, SECRET, body, NOW));
    }
  });

  it('reads the headers whatever their case, and the signature in either hex case', () => {
    const h = signedHeaders('broker-1', SECRET, body, NOW);
    const creds = readCredentials({
      'X-CEB-Partner': h['x-ceb-partner'],
      'X-Ceb-Timestamp': h['x-ceb-timestamp'],
      'X-CEB-SIGNATURE': h['x-ceb-signature']?.toUpperCase(),
    });
    assert.doesNotThrow(() => verifyCallback(creds, SECRET, body, NOW));
  });

  it('refuses a wrong secret, a changed body, and an unknown partner alike', () => {
    const creds = readCredentials(signedHeaders('broker-1', 'another-secret-entirely', body, NOW));
    const wrong = refusal(() => verifyCallback(creds, SECRET, body, NOW));
    assert.equal(wrong.code, 'SIGN_INVALID');
    const good = readCredentials(signedHeaders('broker-1', SECRET, body, NOW));
    const changed = refusal(() => verifyCallback(good, SECRET, Buffer.from(`${body} `), NOW));
    assert.equal(changed.reason, 'wrong-signature');
    const unknown = refusal(() => verifyCallback(good, undefined, body, NOW));
    assert.equal(unknown.code, 'SIGN_INVALID');
    assert.equal(unknown.message, wrong.message);
  });

  it('refuses a stale timestamp, too old or too far ahead, as TIMESTAMP_EXPIRED', () => {
    for (const skew of [-301_000, 301_000]) {
      const creds = readCredentials(signedHeaders('broker-1', SECRET, body, NOW + skew));
      const e = refusal(() => verifyCallback(creds, SECRET, body, NOW));
      assert.equal(e.code, 'TIMESTAMP_EXPIRED');
      assert.match(e.message, /5 minutes/);
    }
  });

  it('refuses missing or malformed headers before looking at any secret', () => {
    assert.equal(refusal(() => readCredentials({})).reason, 'no-signature');
    const h = signedHeaders('broker-1', SECRET, body, NOW);
    assert.equal(
      refusal(() => readCredentials({ ...h, 'x-ceb-signature': 'abc' })).reason,
      'malformed-headers',
    );
    assert.equal(
      refusal(() => readCredentials({ ...h, 'x-ceb-timestamp': '2026-11-22' })).reason,
      'malformed-headers',
    );
  });
});

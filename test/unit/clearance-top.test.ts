import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveClearance } from '#core/clearance/derive-state.ts';
import { CallbackRejectedError, CallbackUnauthorizedError } from '#core/clearance/errors.ts';
import { renderTopReply } from '#core/clearance/top-reply.ts';
import { signTop, topSignSource } from '#core/clearance/top-signature.ts';
import { RETENTION_DAYS } from '#core/settings.ts';
import { recordClearance } from '#core/use-cases/record-clearance.ts';
import { clearanceNotice } from '#local/demo-clearance.ts';
import { MemoryClearanceStore, partnerSecretsOf, topParams } from '#test/helpers/clearance.ts';
import { fixedClock } from '#test/helpers/fakes.ts';

/** 2026-12-05 20:00:00 in Beijing. */
const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
const APP_KEY = '12345678';
const SECRET = 'test-app-secret-0123456789';
const HMAC_PARTNER = 'hmac-broker';

/** Known answers, computed with openssl (dgst -md5; dgst -md5 -hmac; dgst -sha256 -hmac) over the same text. */
const VECTOR_PARAMS = {
  app_key: APP_KEY,
  format: 'json',
  method: 'tmall.hk.clearance.info.send',
  order_clearance_info_request: '{"order_id":"SO1","clearance_status":1,"idempotent":"k1"}',
  timestamp: '2026-12-05 20:00:00',
  v: '2.0',
};
const VECTORS = {
  md5: '77694C5BFEC6ADCA13C5E40044BA5FD5',
  hmac: '7E66629B2E405614F88E18D2BAF79C9F',
  'hmac-sha256': '82365654A1DAC19ABC16F319B882755B564291843102BA11FDEB287876067C7B',
} as const;

function setup() {
  const store = new MemoryClearanceStore();
  const clock = fixedClock(NOW);
  const deps = {
    store,
    secrets: partnerSecretsOf({
      [APP_KEY]: { secret: SECRET, scheme: 'top' },
      [HMAC_PARTNER]: 'hmac-broker-secret-0123456789',
    }),
    clock,
    settings: {
      retentionDays: RETENTION_DAYS,
      maxBodyBytes: 64 * 1024,
      signatureWindowMs: 300_000,
      topTimestampWindowMs: 600_000,
    },
  };
  const call = (params: Record<string, string>) =>
    recordClearance(
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        contentType: 'application/x-www-form-urlencoded',
        body: Buffer.from(new URLSearchParams(params).toString()),
        params,
      },
      deps,
    );
  return { store, clock, call };
}

const released = (idempotent: string) =>
  clearanceNotice({ orderNo: 'SO-TOP-1', status: 2, resultCode: '0000', at: NOW - 60_000, idempotent });

async function refusal(p: Promise<unknown>): Promise<CallbackUnauthorizedError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CallbackUnauthorizedError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

describe("TOP's request signature", () => {
  for (const [method, expected] of Object.entries(VECTORS)) {
    it(`signs ${method} as the known answer`, () => {
      const params = { ...VECTOR_PARAMS, sign_method: method };
      assert.equal(signTop(params, SECRET, method as keyof typeof VECTORS), expected);
      // `sign` itself is never part of what is signed.
      assert.equal(topSignSource({ ...params, sign: expected }), topSignSource(params));
    });
  }
});

describe('recording a TOP-style notice', () => {
  for (const signMethod of ['md5', 'hmac', 'hmac-sha256'] as const) {
    it(`records a notice signed with ${signMethod}, app_key naming the partner`, async () => {
      const { store, call } = setup();
      const result = await call(
        topParams({ appKey: APP_KEY, secret: SECRET, notice: released(signMethod), at: NOW, signMethod }),
      );
      assert.equal(result.scheme, 'top');
      assert.equal(result.partner, APP_KEY);
      assert.equal(result.events[0]?.outcome, 'appended');
      assert.equal(deriveClearance(await store.timeline('SO-TOP-1')).state, 'released');
    });
  }

  it('refuses a wrong secret, an unknown app_key and an HMAC-header partner, storing nothing', async () => {
    const { store, call } = setup();
    for (const [appKey, secret, reason] of [
      [APP_KEY, 'not-the-secret-0123456789', 'wrong-signature'],
      ['99999999', SECRET, 'unknown-partner'],
      [HMAC_PARTNER, 'hmac-broker-secret-0123456789', 'wrong-scheme'],
    ] as const) {
      const e = await refusal(call(topParams({ appKey, secret, notice: released('k'), at: NOW })));
      assert.equal(e.code, 'SIGN_INVALID');
      assert.equal(e.reason, reason);
    }
    assert.equal(store.events.size + store.signatures.size, 0);
  });

  it('takes the timestamp as Beijing time, within 10 minutes either way', async () => {
    const { call } = setup();
    const at = (ms: number) =>
      call(topParams({ appKey: APP_KEY, secret: SECRET, notice: released(`k${ms}`), at: ms }));
    assert.equal((await at(NOW - 9 * 60_000)).events.length, 1);
    assert.equal((await at(NOW + 9 * 60_000)).events.length, 1);
    assert.equal((await refusal(at(NOW - 11 * 60_000))).code, 'TIMESTAMP_EXPIRED');
    // The same wall-clock digits read as UTC would be 8 hours off.
    const utcDigits = topParams({
      appKey: APP_KEY,
      secret: SECRET,
      notice: released('z'),
      at: NOW - 8 * 3_600_000,
    });
    assert.equal((await refusal(call(utcDigits))).code, 'TIMESTAMP_EXPIRED');
  });

  it('refuses a replayed sign within the window, and takes the same notice signed anew as a repeat', async () => {
    const { store, clock, call } = setup();
    const params = topParams({ appKey: APP_KEY, secret: SECRET, notice: released('k1'), at: NOW });
    await call(params);
    clock.advance(30_000);
    assert.equal((await refusal(call(params))).code, 'REQUEST_REPLAYED');
    const anew = topParams({ appKey: APP_KEY, secret: SECRET, notice: released('k1'), at: clock.now() });
    assert.equal((await call(anew)).events[0]?.outcome, 'duplicate');
    assert.equal(store.events.size, 1);
  });

  it('refuses another method or a missing notice, after the signature, storing nothing', async () => {
    const { store, call } = setup();
    const sign = (p: Record<string, string>) => ({ ...p, sign: signTop(p, SECRET, 'md5') });
    const { sign: _, ...base } = topParams({
      appKey: APP_KEY,
      secret: SECRET,
      notice: released('k'),
      at: NOW,
    });
    await assert.rejects(
      call(sign({ ...base, method: 'taobao.trade.get' })),
      (e) => e instanceof CallbackRejectedError && e.code === 'PARAM_INVALID',
    );
    const { order_clearance_info_request: __, ...noNotice } = base;
    await assert.rejects(
      call(sign(noNotice)),
      (e) => e instanceof CallbackRejectedError && e.code === 'PARAM_NOT_NULL',
    );
    assert.equal(store.events.size + store.signatures.size, 0);
  });
});

describe("TOP's reply", () => {
  it('answers success under <method>_response and errors under error_response, in JSON', () => {
    assert.deepEqual(JSON.parse(renderTopReply('SUCCESS', 'recorded 1 event', 'req-1', 'json').body), {
      tmall_hk_clearance_info_send_response: {
        msg_success: true,
        msg_code: 'SUCCESS',
        msg_info: 'recorded 1 event',
        msg_obj: true,
        request_id: 'req-1',
      },
    });
    assert.deepEqual(
      JSON.parse(renderTopReply('SIGN_INVALID', 'the signature does not match', 'r', 'json').body),
      {
        error_response: {
          code: 25,
          msg: 'Invalid signature',
          sub_code: 'isv.invalid-signature',
          sub_msg: 'the signature does not match',
          request_id: 'r',
        },
      },
    );
  });

  it('answers in XML when format=xml, escaping the text', () => {
    const reply = renderTopReply('PARAM_INVALID', 'order_id <bad>', 'r', 'xml');
    assert.equal(reply.contentType, 'application/xml; charset=utf-8');
    assert.match(reply.body, /^<\?xml[^>]*\?><error_response><code>41<\/code>/);
    assert.match(reply.body, /<sub_msg>order_id &lt;bad&gt;<\/sub_msg>/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveClearance } from '#core/clearance/derive-state.ts';
import {
  CallbackForbiddenError,
  CallbackRejectedError,
  CallbackUnauthorizedError,
} from '#core/clearance/errors.ts';
import { signedHeaders } from '#core/clearance/signature.ts';
import { RETENTION_DAYS } from '#core/settings.ts';
import { type ClearanceCallback, recordClearance } from '#core/use-cases/record-clearance.ts';
import { ceb312Xml, ceb621Xml, ceb622Xml, clearanceNotice } from '#local/demo-clearance.ts';
import {
  CALLBACK_FIXTURES,
  callbackFixture,
  FIXTURE_ORDER,
  FIXTURE_PARTNER,
  FIXTURE_SECRET,
  FIXTURE_TIME,
  MemoryClearanceStore,
  partnerSecretsOf,
} from '#test/helpers/clearance.ts';
import { fixedClock } from '#test/helpers/fakes.ts';

const PARTNER = 'broker-1';
const SECRET = 'broker-1-secret-0123456789';
const OTHER = 'broker-2';
const OTHER_SECRET = 'broker-2-secret-0123456789';
const LIMITED = 'broker-limited';
const LIMITED_SECRET = 'broker-limited-secret-0123456789';
const TOP_PARTNER = 'top-app-key';
const TOP_SECRET = 'top-app-secret-0123456789';

/** A callback signed with our HMAC headers by `partner`. */
const signedBy = (
  partner: string,
  secret: string,
  body: string,
  contentType: string,
  at: number,
): ClearanceCallback => ({
  headers: signedHeaders(partner, secret, body, at),
  contentType,
  body: Buffer.from(body),
});

function setup(now = FIXTURE_TIME) {
  const store = new MemoryClearanceStore();
  const clock = fixedClock(now);
  const deps = {
    store,
    secrets: partnerSecretsOf({
      [PARTNER]: SECRET,
      [FIXTURE_PARTNER]: FIXTURE_SECRET,
      [OTHER]: OTHER_SECRET,
      [LIMITED]: { secret: LIMITED_SECRET, scheme: 'hmac', ebpCodes: ['46016602EV'] },
      [TOP_PARTNER]: { secret: TOP_SECRET, scheme: 'top' },
    }),
    clock,
    settings: {
      retentionDays: RETENTION_DAYS,
      maxBodyBytes: 64 * 1024,
      signatureWindowMs: 300_000,
      topTimestampWindowMs: 600_000,
    },
  };
  /** A callback signed by broker-1 now (or `at`), by `secret`. */
  const signed = (
    body: string,
    contentType = 'application/xml',
    at = clock.now(),
    secret = SECRET,
  ): ClearanceCallback => ({
    headers: signedHeaders(PARTNER, secret, body, at),
    contentType,
    body: Buffer.from(body),
  });
  return { store, clock, deps, signed };
}

const receipt = (orderNo: string, returnStatus: number, minutesAgo: number, guid = `G-${orderNo}`) =>
  ceb312Xml({
    guid,
    ebpCode: '46016602EV',
    orderNo,
    returnStatus,
    at: FIXTURE_TIME - minutesAgo * 60_000,
    returnInfo: `status ${returnStatus}`,
  });

async function refused(p: Promise<unknown>): Promise<CallbackUnauthorizedError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CallbackUnauthorizedError, String(e));
    return e;
  }
  assert.fail('expected the callback to be refused');
}

describe('recording a clearance callback', () => {
  it("keeps an order's events as long as its payment; an order or inventory not known yet from the receipt", async () => {
    const { store, deps, signed } = setup();
    // SO-PAID's payment was stored before payments carried their expiry; SO-STORED's carries one
    const stored = Math.ceil(FIXTURE_TIME / 1000) + 5_000;
    const payments = {
      paymentOf: async (orderNo: string) =>
        orderNo === 'SO-PAID'
          ? { tradingTime: '20260610093000' }
          : orderNo === 'SO-STORED'
            ? { tradingTime: '20260610093000', expiresAt: stored }
            : orderNo === 'SO-BROKEN'
              ? { tradingTime: '2026-06-10' }
              : undefined,
    };
    const withPayments = { ...deps, payments };
    const received = Math.ceil(FIXTURE_TIME / 1000);
    const days = (n: number) => n * 86_400;

    await recordClearance(signed(receipt('SO-PAID', 120, 3)), withPayments);
    await recordClearance(signed(receipt('SO-UNPAID', 120, 2)), withPayments);
    const inventory = ceb622Xml({
      guid: 'G622-TTL',
      ebpCode: '46016602EV',
      customsCode: '2991',
      agentCode: 'A',
      copNo: 'NB-TTL',
      preNo: 'P',
      invtNo: 'I-TTL',
      returnStatus: 800,
      at: FIXTURE_TIME - 60_000,
      returnInfo: 'released',
    });
    await recordClearance(signed(inventory), withPayments);
    const link = ceb621Xml({
      guid: 'G621-TTL',
      logisticsNo: 'L-TTL',
      orderNo: 'SO-PAID',
      copNo: 'NB-TTL',
      ebpCode: '46016602EV',
      agentCode: 'A',
    });
    await recordClearance(signed(link), withPayments);

    const expiryOf = (key: string) => store.expiries.get(key);
    // 09:30 Beijing on 10 June 2026 = 01:30 UTC, kept RETENTION_DAYS
    const paid = Date.UTC(2026, 5, 10, 1, 30) / 1000 + days(RETENTION_DAYS);
    assert.equal(expiryOf('CEB312#G-SO-PAID#120'), paid);
    assert.equal(expiryOf('LINK#NB-TTL'), paid);
    assert.equal(expiryOf('CEB312#G-SO-UNPAID#120'), received + days(RETENTION_DAYS));
    await recordClearance(signed(receipt('SO-STORED', 120, 1)), withPayments);
    assert.equal(expiryOf('CEB312#G-SO-STORED#120'), stored);
    // a payment item stored by another writer with a broken tradingTime: the receipt is kept all the same
    const broken = await recordClearance(signed(receipt('SO-BROKEN', 120, 1, 'G-BROKEN')), withPayments);
    assert.equal(broken.events[0]?.outcome, 'appended');
    assert.equal(expiryOf('CEB312#G-BROKEN#120'), received + days(RETENTION_DAYS));
    // filed under its copNo before any link: from its receipt
    const [receiptKey] = [...store.events.values()]
      .filter((e) => e.source === 'CEB622')
      .map((e) => e.dedupeKey);
    assert.equal(expiryOf(receiptKey ?? ''), received + days(RETENTION_DAYS));
    // a stage's shorter retention is applied as it is
    const { store: other, deps: short, signed: signedShort } = setup();
    await recordClearance(signedShort(receipt('SO-UNPAID', 120, 2)), {
      ...short,
      settings: { ...short.settings, retentionDays: 30 },
    });
    assert.equal(other.expiries.get('CEB312#G-SO-UNPAID#120'), received + days(30));
  });

  it('records every fixture as signed (the fixtures carry valid signatures for their time)', async () => {
    const { store, deps } = setup();
    for (const name of CALLBACK_FIXTURES) {
      const e = callbackFixture(name);
      const contentType = Object.entries(e.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
      const result = await recordClearance(
        { headers: e.headers, contentType, body: Buffer.from(e.body ?? '') },
        deps,
      );
      assert.equal(result.events[0]?.outcome, 'appended', name);
      assert.equal(result.partner, FIXTURE_PARTNER);
    }
    const summary = deriveClearance(await store.timeline(FIXTURE_ORDER));
    assert.equal(summary.state, 'released');
    assert.deepEqual(
      summary.timeline.map((e) => e.status.code),
      ['2', '1', '120', '800', '2/0000'],
    );
  });

  it('refuses the bad-signature fixture and stores nothing', async () => {
    const { store, deps } = setup();
    const e = callbackFixture('bad-signature');
    const error = await refused(
      recordClearance(
        { headers: e.headers, contentType: 'application/json', body: Buffer.from(e.body ?? '') },
        deps,
      ),
    );
    assert.equal(error.code, 'SIGN_INVALID');
    assert.equal(store.events.size, 0);
    assert.equal(store.signatures.size, 0);
  });

  it('refuses a stale signature and stores nothing', async () => {
    const { store, deps, signed } = setup();
    const error = await refused(
      recordClearance(signed(receipt('SO-1', 800, 1), 'application/xml', FIXTURE_TIME - 6 * 60_000), deps),
    );
    assert.equal(error.code, 'TIMESTAMP_EXPIRED');
    assert.equal(store.events.size + store.signatures.size, 0);
  });

  it('refuses a replay of a request it took, and stores nothing more', async () => {
    const { store, deps, signed, clock } = setup();
    const callback = signed(receipt('SO-1', 120, 1));
    await recordClearance(callback, deps);
    clock.advance(60_000);
    const error = await refused(recordClearance(callback, deps));
    assert.equal(error.code, 'REQUEST_REPLAYED');
    assert.equal(store.events.size, 1);
  });

  it('answers a repeated notice or receipt as done and records it once', async () => {
    const { store, deps, signed, clock } = setup();
    const body = receipt('SO-1', 120, 1);
    const notice = JSON.stringify(
      clearanceNotice({ orderNo: 'SO-1', status: 2, resultCode: '0000', at: FIXTURE_TIME, idempotent: 'k1' }),
    );
    assert.equal((await recordClearance(signed(body), deps)).events[0]?.outcome, 'appended');
    assert.equal(
      (await recordClearance(signed(notice, 'application/json'), deps)).events[0]?.outcome,
      'appended',
    );
    clock.advance(1_000);
    // Signed anew (a new signature), same content: a duplicate, not a replay.
    const again = await recordClearance(signed(body), deps);
    assert.equal(again.events[0]?.outcome, 'duplicate');
    assert.deepEqual(again.changes, []);
    assert.equal(
      (await recordClearance(signed(notice, 'application/json'), deps)).events[0]?.outcome,
      'duplicate',
    );
    assert.equal((await store.timeline('SO-1')).length, 2);
  });

  it('keeps an order released when its 120 arrives after its 800, and reports the change once', async () => {
    const { store, deps, signed, clock } = setup();
    const changes = [];
    for (const [status, minutesAgo] of [
      [2, 30],
      [800, 5],
      [120, 25],
    ] as const) {
      clock.advance(1_000);
      changes.push(...(await recordClearance(signed(receipt('SO-1', status, minutesAgo)), deps)).changes);
    }
    assert.deepEqual(changes, [
      { orderNo: 'SO-1', from: 'none', to: 'declared' },
      { orderNo: 'SO-1', from: 'declared', to: 'released' },
    ]);
    const summary = deriveClearance(await store.timeline('SO-1'));
    assert.equal(summary.state, 'released');
    assert.deepEqual(
      summary.timeline.map((e) => e.returnStatus),
      [2, 120, 800],
    );
  });

  it('keeps an inventory receipt whose copNo has no link, and files it on its order when the CEB621 comes', async () => {
    const { store, deps, signed, clock } = setup();
    const inventory = (returnStatus: number, minutesAgo: number, returnInfo: string) =>
      ceb622Xml({
        guid: `GI-${returnStatus}`,
        ebpCode: '46016602EV',
        customsCode: '2991',
        agentCode: 'A',
        copNo: 'NB-X',
        preNo: 'P',
        invtNo: 'I',
        returnStatus,
        at: FIXTURE_TIME - minutesAgo * 60_000,
        returnInfo,
      });
    await recordClearance(signed(receipt('SO-O', 2, 30)), deps);
    clock.advance(1_000);
    // The release first: nothing tells yet which order it is for.
    const early = await recordClearance(signed(inventory(800, 5, '[Code:2600;Desc:放行]')), deps);
    assert.equal(early.events[0]?.orderNo, undefined);
    assert.equal(early.events[0]?.copNo, 'NB-X');
    assert.deepEqual(early.changes, []);
    assert.equal(deriveClearance(await store.timeline('SO-O')).state, 'declared');
    clock.advance(1_000);
    const link = ceb621Xml({
      guid: 'G621',
      orderNo: 'SO-O',
      copNo: 'NB-X',
      logisticsNo: 'L',
      ebpCode: '46016602EV',
      agentCode: 'A',
    });
    const linked = await recordClearance(signed(link), deps);
    assert.deepEqual(linked.links, [{ copNo: 'NB-X', orderNo: 'SO-O', source: 'CEB621', outcome: 'linked' }]);
    assert.deepEqual(linked.changes, [{ orderNo: 'SO-O', from: 'declared', to: 'released' }]);
    // An older inventory receipt arriving last takes its place in time: the order stays released.
    clock.advance(1_000);
    const late = await recordClearance(signed(inventory(120, 20, '[Code:1800;Desc:逻辑校验通过]')), deps);
    assert.equal(late.events[0]?.orderNo, 'SO-O');
    const summary = deriveClearance(await store.timeline('SO-O'));
    assert.equal(summary.state, 'released');
    assert.deepEqual(
      summary.timeline.map((e) => `${e.source} ${e.returnStatus}`),
      ['CEB312 2', 'CEB622 120', 'CEB622 800'],
    );
  });

  it('links an inventory receipt to the order its returnInfo names', async () => {
    const { store, deps, signed } = setup();
    const xml = ceb622Xml({
      guid: 'G9',
      ebpCode: '46016602EV',
      customsCode: '2991',
      agentCode: 'A',
      copNo: 'NB-Y',
      preNo: 'P',
      invtNo: 'I',
      returnStatus: 800,
      at: FIXTURE_TIME,
      returnInfo: '清单放行[NB-Y][订单编号：SO-NAMED]',
    });
    const result = await recordClearance(signed(xml), deps);
    assert.deepEqual(result.links, [
      { copNo: 'NB-Y', orderNo: 'SO-NAMED', source: 'returnInfo', outcome: 'linked' },
    ]);
    assert.deepEqual(result.changes, [{ orderNo: 'SO-NAMED', from: 'none', to: 'released' }]);
    assert.equal((await store.timeline('SO-NAMED'))[0]?.partner, PARTNER);
  });

  it('refuses an oversized body before reading or storing anything', async () => {
    const { store, deps, signed } = setup();
    const big = `<x>${'a'.repeat(70_000)}</x>`;
    await assert.rejects(
      recordClearance(signed(big), deps),
      (e) => e instanceof CallbackRejectedError && e.code === 'BODY_TOO_LARGE',
    );
    assert.equal(store.signatures.size, 0);
  });

  it('answers a malformed body from a signed partner with the field at fault, and stores nothing', async () => {
    const { store, deps, signed } = setup();
    const callback = signed('{"order_id":"SO-1","clearance_status":1}', 'application/json');
    await assert.rejects(
      recordClearance(callback, deps),
      (e) =>
        e instanceof CallbackRejectedError && e.code === 'PARAM_NOT_NULL' && /idempotent/.test(e.message),
    );
    // No replay marker either: the partner fixes the body and signs again, as it would anyway.
    assert.equal(store.events.size + store.signatures.size, 0);
  });

  it("never lets one partner's idempotent key suppress another partner's notice", async () => {
    const { store, deps, clock } = setup();
    const notice = (resultCode: string) =>
      JSON.stringify(
        clearanceNotice({
          orderNo: 'SO-1',
          status: 2,
          resultCode,
          at: FIXTURE_TIME,
          idempotent: 'shared-key',
        }),
      );
    // broker-2 goes first with broker-1's key (and even its content)...
    const first = await recordClearance(
      signedBy(OTHER, OTHER_SECRET, notice('1000'), 'application/json', clock.now()),
      deps,
    );
    assert.equal(first.events[0]?.outcome, 'appended');
    // ...and broker-1's own notice is still recorded, not taken for a repeat.
    const own = await recordClearance(
      signedBy(PARTNER, SECRET, notice('1000'), 'application/json', clock.now()),
      deps,
    );
    assert.equal(own.events[0]?.outcome, 'appended');
    const timeline = await store.timeline('SO-1');
    assert.deepEqual(timeline.map((e) => e.partner).sort(), [PARTNER, OTHER].sort());
  });

  it('refuses, storing nothing, an event for an ebpCode outside the partner’s list (or naming none)', async () => {
    const { store, deps, clock } = setup();
    const outside = ceb312Xml({
      guid: 'G-X',
      ebpCode: 'OTHERPLATFORM',
      orderNo: 'SO-1',
      returnStatus: 800,
      at: FIXTURE_TIME,
      returnInfo: 'x',
    });
    await assert.rejects(
      recordClearance(signedBy(LIMITED, LIMITED_SECRET, outside, 'application/xml', clock.now()), deps),
      (e) =>
        e instanceof CallbackForbiddenError &&
        e.code === 'EBP_CODE_NOT_ALLOWED' &&
        /OTHERPLATFORM/.test(e.message),
    );
    const unnamed = JSON.stringify(
      clearanceNotice({ orderNo: 'SO-1', status: 1, at: FIXTURE_TIME, idempotent: 'k' }),
    );
    await assert.rejects(
      recordClearance(signedBy(LIMITED, LIMITED_SECRET, unnamed, 'application/json', clock.now()), deps),
      (e) => e instanceof CallbackForbiddenError,
    );
    assert.equal(store.events.size + store.signatures.size, 0);
    // Its own platform's events go through.
    const own = ceb312Xml({
      guid: 'G-Y',
      ebpCode: '46016602EV',
      orderNo: 'SO-1',
      returnStatus: 800,
      at: FIXTURE_TIME,
      returnInfo: 'x',
    });
    const ok = await recordClearance(
      signedBy(LIMITED, LIMITED_SECRET, own, 'application/xml', clock.now()),
      deps,
    );
    assert.equal(ok.events[0]?.outcome, 'appended');
  });

  it('refuses our HMAC headers from a partner configured for TOP signatures', async () => {
    const { store, deps, clock } = setup();
    const error = await refused(
      recordClearance(
        signedBy(TOP_PARTNER, TOP_SECRET, receipt('SO-1', 800, 1), 'application/xml', clock.now()),
        deps,
      ),
    );
    assert.equal(error.code, 'SIGN_INVALID');
    assert.equal(error.reason, 'wrong-scheme');
    assert.equal(store.events.size + store.signatures.size, 0);
  });

  it('lets the partner send the same request again when storing it failed', async () => {
    const { store, deps, signed } = setup();
    const callback = signed(receipt('SO-1', 800, 1));
    store.failAppends = true;
    await assert.rejects(recordClearance(callback, deps), /storage unavailable/);
    store.failAppends = false;
    assert.equal((await recordClearance(callback, deps)).events[0]?.outcome, 'appended');
  });
});

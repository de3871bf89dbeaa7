import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { SoftKeyRegistry, SoftSigner } from '#adapters/signers/soft-signer.ts';
import { CustomsUnavailableError, SignerUnavailableError } from '#core/errors.ts';
import type { Signer } from '#core/ports.ts';
import { parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import { expiresAfter, paymentExpiresAt } from '#core/retention.ts';
import { RetryLaterError, type UploadDeps, uploadSession } from '#core/use-cases/upload-session.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import {
  customsReply,
  fixedClock,
  MemoryPaymentStore,
  MemorySessionStore,
  ScriptedCustoms,
} from '#test/helpers/fakes.ts';
import { makePayment } from '#test/helpers/payments.ts';

const material = makeThrowawayCertificate();
const signer = new SoftSigner(material);

let sessions: MemorySessionStore;
let payments: MemoryPaymentStore;
const message = {
  sessionID: 'fe2374-8fnejf97-32839218',
  orderNo: 'SO-T-0002',
  receivedAt: 1_795_300_000_000,
};

function deps(customs: ScriptedCustoms, overrides: Partial<UploadDeps> = {}): UploadDeps {
  return {
    sessions,
    payments,
    signer,
    certificates: new SoftKeyRegistry(signer.certificate),
    customs,
    clock: fixedClock(),
    newGuid: () => '9D55BA71-22DE-41F4-8B50-C36C83B3B530',
    settings: { maxReceives: 3, leaseMs: 60_000, uploadTries: 3, retryMinMs: 1 },
    ...overrides,
  };
}

beforeEach(async () => {
  sessions = new MemorySessionStore();
  payments = new MemoryPaymentStore();
  await payments.put(makePayment());
  await sessions.create({
    sessionID: message.sessionID,
    orderNo: message.orderNo,
    receivedAt: message.receivedAt,
  });
});

describe('one delivery of a grab (upload-session)', () => {
  it('uploads a signed payload of every order and records uploaded with the exact bytes sent', async () => {
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    const result = await uploadSession(message, 1, deps(customs));
    assert.equal(result.outcome, 'uploaded');
    const s = await sessions.get(message.sessionID);
    assert.equal(s?.state, 'uploaded');
    assert.equal(s?.payExInfoStr, customs.received[0]);
    assert.deepEqual(s?.orderNos, ['SO-T-0001', 'SO-T-0002']);
    assert.equal(parsePayExInfoStr(customs.received[0] ?? '').certNo, material.certNo);
  });

  it('retries a 5xx within the delivery and then succeeds, sending the same bytes each time', async () => {
    const customs = new ScriptedCustoms([
      { status: 502, body: 'bad gateway' },
      new CustomsUnavailableError('reset'),
      customsReply('10000', '上传成功'),
    ]);
    const result = await uploadSession(message, 1, deps(customs));
    assert.equal(result.outcome, 'uploaded');
    assert.equal(customs.received.length, 3);
    assert.equal(new Set(customs.received).size, 1);
  });

  it('leaves the message for redelivery when customs stays down, then fails it on the last delivery', async () => {
    const customs = new ScriptedCustoms([{ status: 503, body: 'down' }]);
    await assert.rejects(uploadSession(message, 1, deps(customs)), RetryLaterError);
    assert.equal((await sessions.get(message.sessionID))?.state, 'retrying');
    await assert.rejects(uploadSession(message, 2, deps(customs)), RetryLaterError);
    const last = await uploadSession(message, 3, deps(customs));
    assert.equal(last.outcome, 'failed');
    const s = await sessions.get(message.sessionID);
    assert.equal(s?.state, 'failed');
    assert.match(s?.error ?? '', /gave up after 3 deliveries: .*503/);
    // Every try sent the payload prepared on the first delivery.
    assert.equal(new Set(customs.received).size, 1);
  });

  it("keeps customs' 2000x answer and does not retry it", async () => {
    const customs = new ScriptedCustoms([customsReply('20000', 'certNo : certNo不为空')]);
    const result = await uploadSession(message, 1, deps(customs));
    assert.equal(result.outcome, 'rejected');
    const s = await sessions.get(message.sessionID);
    assert.equal(s?.customsCode, '20000');
    assert.equal(s?.customsMessage, 'certNo : certNo不为空');
    assert.equal(customs.received.length, 1);
  });

  it('counts 入库失败 on a later attempt as the earlier attempt having been accepted', async () => {
    const customs = new ScriptedCustoms([{ status: 504, body: 'timeout' }]);
    await assert.rejects(
      uploadSession(
        message,
        1,
        deps(customs, { settings: { maxReceives: 3, leaseMs: 60_000, uploadTries: 1 } }),
      ),
    );
    const again = new ScriptedCustoms([customsReply('20000', '入库失败')]);
    const result = await uploadSession(message, 2, deps(again));
    assert.equal(result.outcome, 'uploaded');
    assert.equal((await sessions.get(message.sessionID))?.inferred, true);
    assert.equal((await sessions.get(message.sessionID))?.customsMessage, '入库失败');
  });

  it('never sends a signature that fails the self-check', async () => {
    const other = new SoftSigner(makeThrowawayCertificate());
    const impostor: Signer = {
      sign: async (data) => ({ ...(await other.sign(data)), certNo: material.certNo }),
    };
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    const result = await uploadSession(message, 1, deps(customs, { signer: impostor }));
    assert.equal(result.outcome, 'failed');
    assert.equal(customs.received.length, 0);
    assert.match((await sessions.get(message.sessionID))?.error ?? '', /self-check/);
  });

  it('retries later when the signer is unavailable, and fails with the reason when the data breaks a rule', async () => {
    const busy: Signer = { sign: async () => Promise.reject(new SignerUnavailableError('device busy')) };
    await assert.rejects(
      uploadSession(message, 1, deps(new ScriptedCustoms([customsReply('10000', '')]), { signer: busy })),
      RetryLaterError,
    );

    await sessions.markQueued(message.sessionID, 1, ['retrying']);
    await payments.put(makePayment({ tradingTime: '2026-11-22 09:30' }));
    const customs = new ScriptedCustoms([customsReply('10000', '')]);
    const result = await uploadSession(message, 2, deps(customs));
    assert.equal(result.outcome, 'failed');
    assert.match(
      (await sessions.get(message.sessionID))?.error ?? '',
      /payExchangeInfoHead\.tradingTime: must be 14 digits/,
    );
    assert.equal(customs.received.length, 0);
  });

  it('ends an unknown order no-data, and a second delivery of a finished session does nothing', async () => {
    await sessions.create({ sessionID: 'S-unknown', orderNo: 'NOPE', receivedAt: 1 });
    const customs = new ScriptedCustoms([customsReply('10000', '')]);
    assert.equal(
      (await uploadSession({ sessionID: 'S-unknown', orderNo: 'NOPE', receivedAt: 1 }, 1, deps(customs)))
        .outcome,
      'no-data',
    );
    assert.equal(
      (await uploadSession({ sessionID: 'S-unknown', orderNo: 'NOPE', receivedAt: 1 }, 2, deps(customs)))
        .outcome,
      'already-done',
    );
    assert.equal(customs.received.length, 0);
  });
});

describe('a payment that arrives while its grab is being processed', () => {
  it('is not left no-data: the session goes back through the queue', async () => {
    await sessions.create({ sessionID: 'S-race', orderNo: 'RACE-1', receivedAt: 1 });
    // The payment lands between the worker's lookup and its recording of no-data.
    let lookups = 0;
    const racing = {
      findByOrder: async (orderNo: string) => (++lookups === 1 ? undefined : payments.findByOrder(orderNo)),
      put: (p: Parameters<MemoryPaymentStore['put']>[0]) => payments.put(p),
    };
    await payments.put(makePayment({}, ['RACE-1']));
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    await assert.rejects(
      uploadSession(
        { sessionID: 'S-race', orderNo: 'RACE-1', receivedAt: 1 },
        1,
        deps(customs, { payments: racing }),
      ),
      RetryLaterError,
    );
    const waiting = await sessions.get('S-race');
    assert.equal(waiting?.state, 'retrying');
    assert.match(waiting?.error ?? '', /arrived while the grab was processed/);
    const again = await uploadSession(
      { sessionID: 'S-race', orderNo: 'RACE-1', receivedAt: 1 },
      2,
      deps(customs, { payments: racing }),
    );
    assert.equal(again.outcome, 'uploaded');
  });
});

describe('the certificate that signs', () => {
  it('refuses to sign with an expired certificate, and says so', async () => {
    const old = makeThrowawayCertificate({
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const oldSigner = new SoftSigner(old);
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    const result = await uploadSession(
      message,
      1,
      deps(customs, { signer: oldSigner, certificates: new SoftKeyRegistry(oldSigner.certificate) }),
    );
    assert.equal(result.outcome, 'failed');
    assert.match(
      (await sessions.get(message.sessionID))?.error ?? '',
      new RegExp(`certificate ${old.certNo} expired`),
    );
    assert.equal(customs.received.length, 0);
  });

  it('signs with a certificate that expires within 30 days, and reports it', async () => {
    const soon = makeThrowawayCertificate({ notAfter: new Date(Date.now() + 10 * 86_400_000) });
    const soonSigner = new SoftSigner(soon);
    const warnings: number[] = [];
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    const result = await uploadSession(
      message,
      1,
      deps(customs, {
        signer: soonSigner,
        certificates: new SoftKeyRegistry(soonSigner.certificate),
        onCertificateExpiring: (_k, days) => warnings.push(days),
      }),
    );
    assert.equal(result.outcome, 'uploaded');
    assert.deepEqual(warnings, [9]);
  });

  it('fails a session whose ebpCode has no registered certificate, without sending anything', async () => {
    const customs = new ScriptedCustoms([customsReply('10000', '上传成功')]);
    const result = await uploadSession(
      message,
      1,
      deps(customs, { certificates: new SoftKeyRegistry(signer.certificate, new Set(['OTHER'])) }),
    );
    assert.equal(result.outcome, 'failed');
    assert.match(
      (await sessions.get(message.sessionID))?.error ?? '',
      /no certificate is registered for ebpCode 46016602EV/,
    );
    assert.equal(customs.received.length, 0);
  });
});

describe('a reply lost on the way back', () => {
  it('counts 入库失败 on the second try of the same delivery as accepted', async () => {
    const customs = new ScriptedCustoms([
      new CustomsUnavailableError('connection reset'),
      customsReply('20000', '入库失败：sessionID 已上传'),
    ]);
    const result = await uploadSession(message, 1, deps(customs));
    assert.equal(result.outcome, 'uploaded');
    assert.equal(customs.received.length, 2);
  });

  it('fails 入库失败 on the very first try with customs words: it holds an upload that is not ours', async () => {
    const customs = new ScriptedCustoms([customsReply('20000', '入库失败')]);
    assert.equal((await uploadSession(message, 1, deps(customs))).outcome, 'failed');
    const s = await sessions.get(message.sessionID);
    assert.match(s?.error ?? '', /no try of ours could have reached it \(20000: 入库失败\)/);
    assert.equal(s?.customsMessage, '入库失败');
  });
});

describe('a refusal of a retry', () => {
  it('asks again on the next delivery, and then trusts 入库失败 as the earlier acceptance', async () => {
    const first = new ScriptedCustoms([
      new CustomsUnavailableError('reply lost'),
      customsReply('20000', '系统繁忙'),
    ]);
    await assert.rejects(uploadSession(message, 1, deps(first)), RetryLaterError);
    assert.equal((await sessions.get(message.sessionID))?.state, 'retrying');
    const second = new ScriptedCustoms([customsReply('20000', '入库失败')]);
    assert.equal((await uploadSession(message, 2, deps(second))).outcome, 'uploaded');
  });

  it('records the rejection on the last delivery', async () => {
    const customs = new ScriptedCustoms([
      new CustomsUnavailableError('reply lost'),
      customsReply('20004', '企业实时数据获取验签证书未在服务系统注册'),
    ]);
    const result = await uploadSession(message, 3, deps(customs));
    assert.equal(result.outcome, 'rejected');
    assert.equal(result.customsCode, '20004');
  });
});

describe("a session's retention follows its payment once the payload is prepared", () => {
  const days = 30;
  const withRetention = (customs: ScriptedCustoms): UploadDeps => {
    const d = deps(customs);
    return { ...d, settings: { ...d.settings, retentionDays: days } };
  };

  it("is kept until its payment's expiry when that is later than its receipt's", async () => {
    // traded (Beijing time) a few hours after the grab was received: the payment expires later
    await payments.put(makePayment({ tradingTime: '20261122093015' }));
    await uploadSession(message, 1, withRetention(new ScriptedCustoms([customsReply('10000', '上传成功')])));
    assert.equal(
      sessions.expiresAt.get(message.sessionID),
      paymentExpiresAt({ tradingTime: '20261122093015' }, days),
    );
    assert.ok(
      (sessions.expiresAt.get(message.sessionID) ?? 0) > expiresAfter(message.receivedAt, days),
      'the payment is the later one here',
    );
  });

  it('is never kept less than from its receipt', async () => {
    await payments.put(makePayment({ tradingTime: '20261101000000' }));
    // a later delivery: claimed first, the payload stored by recordPrepared
    await uploadSession(message, 2, withRetention(new ScriptedCustoms([customsReply('10000', '上传成功')])));
    assert.equal(sessions.expiresAt.get(message.sessionID), expiresAfter(message.receivedAt, days));
  });
});

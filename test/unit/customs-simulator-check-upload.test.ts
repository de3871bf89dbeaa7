import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Payment } from '#core/protocol/payment.ts';
import { checkUpload, decideUploadRequest } from '#doubles/customs-simulator/check-upload.ts';
import { CustomsState } from '#doubles/customs-simulator/customs-state.ts';
import { UploadReplyCode } from '#doubles/customs-simulator/reply-codes.ts';
import { makeSignedUpload } from '#doubles/customs-simulator/signed-upload.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { makePayment } from '#test/helpers/payments.ts';
import { vectorsFile, vectorText } from '#test/helpers/vectors.ts';

// Made once per file: RSA key generation is the slow part.
const sm2Cert = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
const rsaCert = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });
const EBP = '46016602EV';

/** Customs with one certificate registered, one declared payment and one issued session for its first order. */
function customs(payment: Payment, cert = sm2Cert) {
  const state = new CustomsState();
  state.registerCertificate(payment.ebpCode, cert.certificatePem);
  state.declarePayment(
    payment.payTransactionId,
    payment.orders.map((o) => o.orderNo),
  );
  const sessionID = state.issueSession(payment.orders[0]?.orderNo ?? '');
  /** What customs answers, recorded as the server would. */
  const upload = (text: string | undefined) => {
    const d = checkUpload(text, state.knowledge);
    state.recordUpload(text, d);
    return d;
  };
  const signed = (overrides: Partial<Parameters<typeof makeSignedUpload>[0]> = {}) =>
    makeSignedUpload({ sessionID, payment, signer: cert, ...overrides });
  return { state, sessionID, upload, signed };
}

describe('customs simulator: checking an upload', () => {
  it('accepts a correctly signed SM2 upload of every order of the payment', () => {
    const c = customs(makePayment({ ebpCode: EBP }));
    const d = c.upload(c.signed());
    assert.deepEqual(
      { code: d.code, message: d.message, accepted: d.accepted },
      { code: '10000', message: '上传成功', accepted: true },
    );
    const s = c.state.session(c.sessionID);
    assert.equal(s?.status, 'accepted');
    assert.equal(s?.uploads, 1);
    assert.ok((s?.latencyMs ?? -1) >= 0);
  });

  it('accepts an RSA-SHA1 upload from an older card', () => {
    const c = customs(makePayment({ ebpCode: EBP }), rsaCert);
    assert.equal(c.upload(c.signed()).code, '10000');
  });

  it('refuses a body without the payExInfoStr field (20001)', () => {
    const c = customs(makePayment());
    const d = c.upload(undefined);
    assert.equal(d.code, UploadReplyCode.noForm);
    assert.match(d.message, /payExInfoStr : payExInfoStr不为空/);
  });

  it('reads payExInfoStr only from a form body', () => {
    const c = customs(makePayment());
    const text = c.signed();
    const asJson = decideUploadRequest({ contentType: 'application/json', body: text }, c.state.knowledge);
    assert.equal(asJson.decision.code, UploadReplyCode.noForm);
    assert.match(asJson.decision.message, /application\/x-www-form-urlencoded/);
    const form = new URLSearchParams({ payExInfoStr: text }).toString();
    const ok = decideUploadRequest(
      { contentType: 'application/x-www-form-urlencoded; charset=UTF-8', body: form },
      c.state.knowledge,
    );
    assert.equal(ok.payExInfoStr, text);
    assert.equal(ok.decision.code, '10000');
  });

  it('refuses payExInfoStr that is not JSON (20002)', () => {
    const c = customs(makePayment());
    assert.equal(c.upload('{"sessionID":').code, UploadReplyCode.notJson);
    assert.equal(c.upload('[1,2]').code, UploadReplyCode.notJson);
  });

  it("names a missing top-level field the way customs does (20000 'certNo : certNo不为空')", () => {
    const c = customs(makePayment());
    const doc = JSON.parse(c.signed()) as Record<string, unknown>;
    delete doc.certNo;
    doc.payExchangeInfoLists = '[]';
    const d = c.upload(JSON.stringify(doc));
    assert.equal(d.code, '20000');
    assert.match(d.message, /certNo : certNo不为空/);
    assert.match(d.message, /payExchangeInfoLists : .*a JSON array/);
    assert.equal(c.state.session(c.sessionID)?.status, 'rejected');
  });

  it('names the field of the order that broke a rule, and the rule (20000)', () => {
    const payment = makePayment({}, ['SO-A', 'SO-B']);
    const c = customs(payment);
    const text = c.signed({
      edit: (info) => ({
        ...info,
        lists: info.lists.map((o, i) =>
          i === 1 ? { ...o, goodsInfo: [{ gname: '长'.repeat(251), itemLink: 'x' }] } : o,
        ),
      }),
    });
    const d = c.upload(text);
    assert.equal(d.code, '20000');
    assert.match(d.message, /payExchangeInfoLists\[1\]\.goodsInfo\[0\]\.gname : at most 250 characters/);
  });

  it('refuses a sessionID customs never issued (20003)', () => {
    const c = customs(makePayment());
    const d = c.upload(c.signed({ sessionID: 'ab12cd-notissued-00000000' }));
    assert.equal(d.code, UploadReplyCode.unknownSession);
    assert.match(d.message, /ab12cd-notissued-00000000/);
  });

  it('answers a re-used sessionID with 20000 入库失败, even with a fresh guid and signature', () => {
    const c = customs(makePayment());
    assert.equal(c.upload(c.signed()).code, '10000');
    const again = c.upload(c.signed());
    assert.equal(again.code, '20000');
    assert.match(again.message, /入库失败/);
    const s = c.state.session(c.sessionID);
    assert.equal(s?.status, 'accepted', 'a refused re-upload does not undo the acceptance');
    assert.equal(s?.uploads, 2);
  });

  it('answers 20004 when no certificate with that certNo is registered for the ebpCode', () => {
    const payment = makePayment({ ebpCode: EBP });
    const c = customs(payment);
    const other = makeThrowawayCertificate();
    const d = c.upload(c.signed({ signer: other }));
    assert.equal(d.code, '20004');
    assert.match(d.message, /^企业实时数据获取验签证书未在服务系统注册/);
    assert.match(d.message, new RegExp(other.certNo));

    // The same certificate registered for another ebpCode does not count.
    const elsewhere = customs(makePayment({ ebpCode: 'OTHER00001' }));
    elsewhere.state.registerCertificate(EBP, other.certificatePem);
    assert.equal(elsewhere.upload(elsewhere.signed({ signer: other })).code, '20004');
  });

  it('accepts any of several certificates registered for one ebpCode', () => {
    const c = customs(makePayment({ ebpCode: EBP }));
    c.state.registerCertificate(EBP, rsaCert.certificatePem);
    assert.equal(c.upload(c.signed({ signer: rsaCert })).code, '10000');
  });

  it('refuses a signature that does not verify over the rebuilt sign source (20005)', () => {
    const c = customs(makePayment());
    const text = c.signed();
    // One character of the head changed after signing.
    const tampered = text.replace('"verDept":"3"', '"verDept":"1"');
    assert.notEqual(tampered, text);
    const d = c.upload(tampered);
    assert.equal(d.code, UploadReplyCode.badSignature);
    assert.match(d.message, /验签失败/);

    // The registered certNo with another key's signature.
    const impostor = makeThrowawayCertificate();
    const forged = c.upload(
      c.signed({ signer: { certNo: sm2Cert.certNo, privateKeyPem: impostor.privateKeyPem } }),
    );
    assert.equal(forged.code, UploadReplyCode.badSignature);
    assert.equal(c.state.session(c.sessionID)?.status, 'rejected');
  });

  it('refuses an upload missing one order of a multi-order payment (20006), naming it', () => {
    const payment = makePayment({}, ['SO-M-1', 'SO-M-2', 'SO-M-3']);
    const c = customs(payment);
    const d = c.upload(
      c.signed({ payment: { ...payment, orders: payment.orders.filter((o) => o.orderNo !== 'SO-M-3') } }),
    );
    assert.equal(d.code, UploadReplyCode.ordersMissing);
    assert.match(d.message, /需返回原始请求内的所有订单/);
    assert.match(d.message, /SO-M-3/);
    assert.doesNotMatch(d.message, /SO-M-1|SO-M-2/);
  });

  it('refuses an upload that does not list the requested order, even for a payment it was not told of', () => {
    const state = new CustomsState();
    state.registerCertificate(EBP, sm2Cert.certificatePem);
    const sessionID = state.issueSession('SO-ASKED');
    const text = makeSignedUpload({
      sessionID,
      payment: makePayment({ ebpCode: EBP }, ['SO-OTHER']),
      signer: sm2Cert,
    });
    const d = checkUpload(text, state.knowledge);
    assert.equal(d.code, UploadReplyCode.ordersMissing);
    assert.match(d.message, /SO-ASKED/);
  });

  it('refuses an upload whose payTransactionId is not the payment declared for the order (20007)', () => {
    const payment = makePayment();
    const c = customs(payment);
    const d = c.upload(c.signed({ payment: { ...payment, payTransactionId: 'SOMEONE-ELSES-PAYMENT' } }));
    assert.equal(d.code, UploadReplyCode.paymentMismatch);
    assert.match(d.message, /SOMEONE-ELSES-PAYMENT/);
  });

  it('refuses a guid already used by an accepted upload (20008)', () => {
    const payment = makePayment({}, ['SO-G-1']);
    const c = customs(payment);
    const guid = 'A2B3C4D5-0000-4000-8000-000000000001';
    assert.equal(c.upload(c.signed({ guid })).code, '10000');
    const second = c.state.issueSession('SO-G-1');
    assert.equal(c.upload(c.signed({ guid, sessionID: second })).code, UploadReplyCode.guidReused);
  });

  it('accepts the real card-signed vector B, and refuses it with one byte of the head changed', () => {
    const file = vectorsFile();
    const text = vectorText(file.vectors.find((v) => v.name === 'B')?.payExInfoStr ?? '').trim();
    const state = new CustomsState();
    state.registerCertificate('46016602EV', vectorText(file.certificate));
    state.issueSession('202009231454218421271832', 'IHWESX-WEASLEY-20230712210643-X7E4PL');

    const tampered = text.replace('"payType":"4"', '"payType":"1"');
    assert.equal(tampered.length, text.length);
    assert.equal(checkUpload(tampered, state.knowledge).code, UploadReplyCode.badSignature);
    const d = checkUpload(text, state.knowledge);
    assert.equal(d.code, '10000', d.message);
  });
});

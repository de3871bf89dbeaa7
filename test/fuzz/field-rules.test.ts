import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { parsePrivateKey } from '#core/crypto/private-key.ts';
import { sm2Sign } from '#core/crypto/sm2.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { ValidationError } from '#core/errors.ts';
import { parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import { buildPayExchangeInfo, validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import { parsePayment } from '#core/protocol/payment.ts';
import { assemblePayExInfoStr, serializePayExchangeInfo } from '#core/protocol/serialize.ts';
import { checkUpload } from '#doubles/customs-simulator/check-upload.ts';
import { CustomsState } from '#doubles/customs-simulator/customs-state.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { validSessionID } from '#test/helpers/fuzz-grab.ts';
import { uploadGuid, validPayment, violation, withField } from '#test/helpers/fuzz-payments.ts';
import { fuzz } from '#test/helpers/fuzz-text.ts';

/**
 * The field rules and the serializer, on random payments built from the spec's table: whatever the
 * text (CJK, astral, RTL, quotes, control characters, at the length limits), customs rebuilds our
 * sign source byte for byte and accepts the upload; and any one broken field is named by its path.
 */
const material = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
const parsedKey = parsePrivateKey(material.privateKeyPem);
assert.ok(parsedKey.algorithm === 'SM3withSM2');
const key = parsedKey;
const cert = parseCertificate(material.certificatePem);
const serviceTime = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

function rejectionOf(run: () => unknown): ValidationError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ValidationError, `threw ${String(e)}, not a ValidationError`);
    return e;
  }
  assert.fail('accepted');
}

describe('field rules and serializer, fuzzed', () => {
  it('a valid payment passes the rules, and customs rebuilds the exact sign source from payExInfoStr', () => {
    fc.assert(
      fc.property(validPayment, uploadGuid, validSessionID, serviceTime, (payment, guid, sessionID, st) => {
        assert.deepEqual(parsePayment(payment), payment, 'the loader takes it as it is');
        const info = buildPayExchangeInfo(payment, guid);
        assert.deepEqual(validatePayExchangeInfo(info), info);

        const serialized = serializePayExchangeInfo(sessionID, info, st);
        const signValue = sm2Sign(serialized.signSource, key.privateKeyHex);
        const payExInfoStr = assemblePayExInfoStr(serialized, { certNo: material.certNo, signValue });
        const parsed = parsePayExInfoStr(payExInfoStr);
        assert.ok(
          Buffer.from(parsed.signSource, 'utf8').equals(Buffer.from(serialized.signSource, 'utf8')),
          'the rebuilt sign source differs from the signed one',
        );
        assert.deepEqual(verifySignature(parsed, cert), { ok: true });
        // What customs reads is what we meant to send.
        assert.deepEqual(validatePayExchangeInfo({ head: parsed.head, lists: parsed.lists }), info);
      }),
      fuzz(200),
    );
  });

  it('customs accepts every valid payment we upload, odd text and all', () => {
    fc.assert(
      fc.property(validPayment, uploadGuid, serviceTime, (payment, guid, st) => {
        const customs = new CustomsState();
        customs.registerCertificate(payment.ebpCode, material.certificatePem);
        customs.declarePayment(
          payment.payTransactionId,
          payment.orders.map((o) => o.orderNo),
        );
        const sessionID = customs.issueSession(payment.orders[0]?.orderNo ?? '');
        const serialized = serializePayExchangeInfo(sessionID, buildPayExchangeInfo(payment, guid), st);
        const signValue = sm2Sign(serialized.signSource, key.privateKeyHex);
        const decision = checkUpload(
          assemblePayExInfoStr(serialized, { certNo: material.certNo, signValue }),
          customs.knowledge,
        );
        assert.deepEqual([decision.code, decision.message], ['10000', '上传成功']);
      }),
      fuzz(100),
    );
  });

  it('names the one broken field by its path, before signing and when loading', () => {
    fc.assert(
      fc.property(validPayment, uploadGuid, violation, fc.nat(), fc.nat(), (payment, guid, bad, i, j) => {
        const info = buildPayExchangeInfo(payment, guid);
        const o = i % info.lists.length;
        const g = j % (info.lists[o]?.goodsInfo.length ?? 1);
        let head: unknown = info.head;
        let lists: unknown = info.lists;
        let path: string;
        let loaded: unknown = payment;
        let loadPath: string | undefined;
        if (bad.place === 'guid' || bad.place === 'payment') {
          head = withField(info.head, bad.field, bad.value);
          path = `payExchangeInfoHead.${bad.field}`;
          if (bad.place === 'payment') {
            loaded = withField(payment, bad.field, bad.value);
            loadPath = bad.field;
          }
        } else if (bad.place === 'order') {
          lists = info.lists.map((x, k) => (k === o ? withField(x, bad.field, bad.value) : x));
          path = `payExchangeInfoLists[${o}].${bad.field}`;
          loaded = {
            ...payment,
            orders: payment.orders.map((x, k) => (k === o ? withField(x, bad.field, bad.value) : x)),
          };
          loadPath = `orders[${o}].${bad.field}`;
        } else {
          const goods = <T extends { goodsInfo: readonly object[] }>(x: T): T => ({
            ...x,
            goodsInfo: x.goodsInfo.map((item, k) => (k === g ? withField(item, bad.field, bad.value) : item)),
          });
          lists = info.lists.map((x, k) => (k === o ? goods(x) : x));
          path = `payExchangeInfoLists[${o}].goodsInfo[${g}].${bad.field}`;
          loaded = { ...payment, orders: payment.orders.map((x, k) => (k === o ? goods(x) : x)) };
          loadPath = `orders[${o}].goodsInfo[${g}].${bad.field}`;
        }
        const what = `${bad.field} ${bad.why}`;

        const before = rejectionOf(() => validatePayExchangeInfo({ head, lists }));
        assert.ok(before.issues.length > 0, what);
        for (const issue of before.issues) {
          assert.equal(issue.path, path, what);
          assert.ok(issue.rule.trim().length > 0, what);
        }
        assert.ok(before.message.includes(path), what);

        if (loadPath !== undefined) {
          const onLoad = rejectionOf(() => parsePayment(loaded));
          assert.deepEqual([...new Set(onLoad.issues.map((x) => x.path))], [loadPath], what);
          assert.ok(
            onLoad.issues.every((x) => x.rule.trim().length > 0),
            what,
          );
        }
      }),
      fuzz(400),
    );
  });
});

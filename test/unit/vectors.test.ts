import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import { validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import { vectorsFile, vectorText } from '#test/helpers/vectors.ts';

const file = vectorsFile();
const cert = parseCertificate(vectorText(file.certificate));
const vector = (name: string) => {
  const v = file.vectors.find((x) => x.name === name);
  assert.ok(v, `vector ${name} is in vectors.json`);
  return v;
};

describe('real E-Port card vectors', () => {
  it("reads the card certificate's serial as customs' certNo", () => {
    assert.equal(cert.certNo, '03000000000cde6f');
    assert.equal(cert.certNo, file.certNo);
    assert.equal(cert.algorithm, 'SM3withSM2');
  });

  it("rebuilds vector B's sign source from its payExInfoStr byte for byte", () => {
    const parsed = parsePayExInfoStr(vectorText(vector('B').payExInfoStr ?? ''));
    const expected = vectorText(vector('B').signSource);
    assert.equal(Buffer.compare(Buffer.from(parsed.signSource, 'utf8'), Buffer.from(expected, 'utf8')), 0);
    // totalAmount 5.0 stays as sent, and the string serviceTime is used as is.
    assert.match(parsed.signSource, /"totalAmount":5\.0,/);
    assert.ok(parsed.signSource.endsWith('||"serviceTime":"1601282210417"'));
  });

  for (const name of ['A', 'B']) {
    it(`verifies vector ${name} against the card certificate`, () => {
      const v = vector(name);
      const result = verifySignature(
        { signSource: vectorText(v.signSource), signValue: v.signValue, certNo: file.certNo },
        cert,
      );
      assert.deepEqual(result, { ok: true });
    });
  }

  it('rejects the negative vector', () => {
    const v = vector('negative');
    const result = verifySignature(
      { signSource: vectorText(v.signSource), signValue: v.signValue, certNo: file.certNo },
      cert,
    );
    assert.equal(result.ok, false);
  });

  it('rejects vector B when one byte of its head changes', () => {
    const text = vectorText(vector('B').payExInfoStr ?? '').replace(
      '"payCode":"1537923071"',
      '"payCode":"1537923072"',
    );
    const parsed = parsePayExInfoStr(text);
    assert.equal(verifySignature(parsed, cert).ok, false);
  });

  it('rejects a signature presented with another certNo', () => {
    const v = vector('A');
    const result = verifySignature(
      { signSource: vectorText(v.signSource), signValue: v.signValue, certNo: '03000000000cde70' },
      cert,
    );
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /is not the certificate's certNo 03000000000cde6f/);
  });

  it("vector B's payload passes every field rule of the spec", () => {
    const parsed = parsePayExInfoStr(vectorText(vector('B').payExInfoStr ?? ''));
    assert.doesNotThrow(() => validatePayExchangeInfo({ head: parsed.head, lists: parsed.lists }));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sm2 } from 'sm-crypto-v2';
import { SoftSigner } from '#adapters/signers/soft-signer.ts';
import { type CertificateInfo, parseCertificate } from '#core/crypto/certificate.ts';
import { rawToDerSignature } from '#core/crypto/der-signature.ts';
import { parsePrivateKey } from '#core/crypto/private-key.ts';
import { sm2Digest } from '#core/crypto/sm2-digest.ts';
import { buildSignSource } from '#core/protocol/sign-source.ts';
import { explainVerification, type VerifyReport } from '#core/use-cases/verify-upload.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { vectorsFile, vectorText } from '#test/helpers/vectors.ts';

const NOW = Date.now();
const file = vectorsFile();
const cardCert = parseCertificate(vectorText(file.certificate));
const vector = (name: string) => {
  const v = file.vectors.find((x) => x.name === name);
  assert.ok(v, `vector ${name}`);
  return v;
};

// A throwaway SM2 card: what we sign with when a test needs a signature over chosen bytes.
const card = makeThrowawayCertificate();
const signer = new SoftSigner(card);
const cert = signer.certificate;
const privateKeyHex = (parsePrivateKey(card.privateKeyPem) as { privateKeyHex: string }).privateKeyHex;
const sign = async (text: string) => (await signer.sign(text)).signValue;

// 5.0 and CJK on purpose: re-serializing changes the first, escaping rules the second.
const HEAD = '{"guid":"G-1","ebpCode":"E1","totalAmount":5.0,"note":"测试/1"}';
const LISTS = '[{"orderNo":"SO1","goodsInfo":[{"gname":"面膜"}]}]';
const ST = String(NOW - 1000);
const PARTS = { sessionID: 'sid-1', headText: HEAD, listsText: LISTS, serviceTimeText: ST };
const RIGHT = buildSignSource(PARTS);

function payExInfoStr(
  signValue: string,
  opts: { certNo?: string; head?: string; serviceTime?: string } = {},
) {
  return (
    `{"sessionID":"sid-1","payExchangeInfoHead":${opts.head ?? HEAD},"payExchangeInfoLists":${LISTS},` +
    `"serviceTime":${opts.serviceTime ?? ST},"certNo":"${opts.certNo ?? cert.certNo}","signValue":"${signValue}"}`
  );
}

const check = (text: string, c: CertificateInfo = cert): VerifyReport =>
  explainVerification({ payExInfoStr: text }, c, { now: NOW });

function refusedFor(report: VerifyReport, pattern: RegExp): void {
  assert.equal(report.ok, false, 'should not verify');
  assert.ok(
    report.problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got: ${report.problems.join(' | ')}`,
  );
}

describe('verify: the real E-Port card vectors', () => {
  it('vector A (a sign source) and vector B (a full payExInfoStr customs accepted) verify', () => {
    const a = vector('A');
    const ra = explainVerification(
      { signSource: vectorText(a.signSource), signValue: a.signValue, certNo: file.certNo },
      cardCert,
      { now: NOW },
    );
    assert.deepEqual(ra.problems, []);
    assert.equal(ra.ok, true);
    const b = vector('B');
    const rb = check(vectorText(b.payExInfoStr ?? '').trim(), cardCert);
    assert.equal(rb.ok, true, rb.problems.join(' | '));
    assert.equal(rb.signSource, vectorText(b.signSource));
  });

  it('the negative vector does not verify, and says the data or the key differ', () => {
    const n = vector('negative');
    const r = explainVerification(
      { signSource: vectorText(n.signSource), signValue: n.signValue },
      cardCert,
      {
        now: NOW,
      },
    );
    refusedFor(r, /does not verify .*data changed after signing, or another key signed it/);
  });
});

describe('verify: why a signature fails', () => {
  it('accepts a right signature, serviceTime sent as a number or as a string', async () => {
    const sig = await sign(RIGHT);
    assert.equal(check(payExInfoStr(sig)).ok, true);
    assert.equal(check(payExInfoStr(sig, { serviceTime: `"${ST}"` })).ok, true);
  });

  it('bytes differ: signed over re-serialized JSON (5.0 -> 5) while the raw text was sent', async () => {
    const reserialized = buildSignSource({
      ...PARTS,
      headText: JSON.stringify(JSON.parse(HEAD)),
      listsText: JSON.stringify(JSON.parse(LISTS)),
    });
    refusedFor(check(payExInfoStr(await sign(reserialized))), /re-serialized .* raw text sent/);
  });

  it("bytes differ: the spec's wrong sample (payExchangeInfoList, unquoted serviceTime) and escaped quotes", async () => {
    const listKey = RIGHT.replace('"payExchangeInfoLists"', '"payExchangeInfoList"');
    refusedFor(check(payExInfoStr(await sign(listKey))), /payExchangeInfoList \(the spec's wrong sample\)/);
    const unquoted = RIGHT.replace(`"serviceTime":"${ST}"`, `"serviceTime":${ST}`);
    refusedFor(check(payExInfoStr(await sign(unquoted))), /serviceTime unquoted/);
    const escaped = `"sessionID":"sid-1"||"payExchangeInfoHead":${JSON.stringify(HEAD)}||"payExchangeInfoLists":${JSON.stringify(LISTS)}||"serviceTime":"${ST}"`;
    refusedFor(check(payExInfoStr(await sign(escaped))), /inner quotes escaped/);
  });

  it('signed with an empty SM2 user ID (the Node/OpenSSL default)', () => {
    const e = sm2Digest(RIGHT, cert.publicKey as string, '');
    const raw = sm2.doSignature(e, privateKeyHex, { hash: false, der: false });
    refusedFor(check(payExInfoStr(Buffer.from(raw, 'hex').toString('base64'))), /empty SM2 user ID/);
  });

  it('a payExInfoStr changed after signing', async () => {
    const sig = await sign(RIGHT);
    refusedFor(check(payExInfoStr(sig, { head: HEAD.replace('G-1', 'G-2') })), /data changed after signing/);
  });

  it('certNo not the certificate’s, or padded; in upper case it is the same certNo (with a note)', async () => {
    const sig = await sign(RIGHT);
    refusedFor(check(payExInfoStr(sig, { certNo: '0300000000000001' })), /not this certificate's serial/);
    refusedFor(check(payExInfoStr(sig, { certNo: `0000${cert.certNo}` })), /other leading zeros/);
    const upper = check(payExInfoStr(sig, { certNo: cert.certNo.toUpperCase() }));
    assert.equal(upper.ok, true, upper.problems.join('; '));
    assert.ok(upper.notes.some((n) => /in case only/.test(n)));
  });

  it('wrong form: DER or hex instead of raw r||s base64 (and says it would verify otherwise)', async () => {
    const raw = Buffer.from(await sign(RIGHT), 'base64');
    const der = check(payExInfoStr(rawToDerSignature(raw).toString('base64')));
    refusedFor(der, /DER-encoded SM2 signature/);
    assert.ok(der.notes.some((n) => /would verify/.test(n)));
    refusedFor(check(payExInfoStr(raw.toString('hex'))), /signValue is hex/);
  });

  it('wrong algorithm: an RSA signature for an SM2 certificate, and the reverse', async () => {
    const rsaCard = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });
    const rsaSigner = new SoftSigner(rsaCard);
    const rsaSig = (await rsaSigner.sign(RIGHT)).signValue;
    assert.equal(rsaSig.length, 172);
    refusedFor(
      check(payExInfoStr(rsaSig)),
      /wrong algorithm: the certificate is SM2,.* 128 bytes, the size of an RSA-1024 signature/,
    );
    const rsaCert = rsaSigner.certificate;
    assert.equal(check(payExInfoStr(rsaSig, { certNo: rsaCert.certNo }), rsaCert).ok, true);
    refusedFor(
      check(payExInfoStr(await sign(RIGHT), { certNo: rsaCert.certNo }), rsaCert),
      /wrong algorithm: the certificate is RSA-1024 .* looks like an SM2/,
    );
  });

  it('the certificate had expired at serviceTime', () => {
    const old = makeThrowawayCertificate({
      notBefore: new Date(NOW - 400 * 86_400_000),
      notAfter: new Date(NOW - 10 * 86_400_000),
    });
    const oldSigner = new SoftSigner(old);
    const e = sm2Digest(RIGHT, oldSigner.certificate.publicKey as string);
    const key = (parsePrivateKey(old.privateKeyPem) as { privateKeyHex: string }).privateKeyHex;
    const sig = Buffer.from(sm2.doSignature(e, key, { hash: false }), 'hex').toString('base64');
    const r = check(payExInfoStr(sig, { certNo: old.certNo }), oldSigner.certificate);
    refusedFor(r, /expired at serviceTime/);
    assert.equal(r.problems.length, 1, 'the signature itself verifies');
  });

  it("a sign source in the spec's wrong form: refused when only that form was signed", async () => {
    const wrong = RIGHT.replace('"payExchangeInfoLists"', '"payExchangeInfoList"');
    const onlyWrong = explainVerification({ signSource: wrong, signValue: await sign(wrong) }, cert, {
      now: NOW,
    });
    refusedFor(onlyWrong, /as given, but customs rebuilds it differently: .*payExchangeInfoList/);
    const rightSig = explainVerification({ signSource: wrong, signValue: await sign(RIGHT) }, cert, {
      now: NOW,
    });
    assert.equal(rightSig.ok, true);
    assert.ok(
      rightSig.notes.some((n) =>
        /not in customs' form \(.*payExchangeInfoList.*\); the signature verifies over customs' form/.test(n),
      ),
    );
  });

  it('a payExInfoStr that cannot be read', () => {
    refusedFor(check('{not json'), /not valid JSON/);
    refusedFor(check('{"sessionID":"s"}'), /missing .*certNo/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoftSigner } from '#adapters/signers/soft-signer.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { ConfigError } from '#core/errors.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';

const SOURCE =
  '"sessionID":"s1"||"payExchangeInfoHead":"{"guid":"X"}"||"payExchangeInfoLists":"[]"||"serviceTime":"1"';

describe('the software signer', () => {
  it('makes SM2 signatures as the card does: 64 raw bytes, verifiable with the certificate', async () => {
    const m = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
    const signer = new SoftSigner(m);
    const sig = await signer.sign(SOURCE);
    assert.equal(sig.algorithm, 'SM3withSM2');
    assert.equal(sig.certNo, m.certNo);
    assert.match(sig.certNo, /^[0-9a-f]{16}$/);
    assert.equal(Buffer.from(sig.signValue, 'base64').length, 64);
    assert.deepEqual(verifySignature({ signSource: SOURCE, ...sig }, signer.certificate), { ok: true });
    assert.equal(verifySignature({ signSource: `${SOURCE} `, ...sig }, signer.certificate).ok, false);
  });

  it('makes RSA-SHA1 signatures for older cards (172 base64 characters for RSA-1024)', async () => {
    const m = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });
    const signer = new SoftSigner(m);
    const sig = await signer.sign(SOURCE);
    assert.equal(sig.algorithm, 'SHA1withRSA');
    assert.equal(sig.signValue.length, 172);
    assert.deepEqual(verifySignature({ signSource: SOURCE, ...sig }, signer.certificate), { ok: true });
  });

  it('refuses a key that is not the certificate’s', () => {
    const a = makeThrowawayCertificate();
    const b = makeThrowawayCertificate();
    assert.throws(
      () => new SoftSigner({ privateKeyPem: a.privateKeyPem, certificatePem: b.certificatePem }),
      ConfigError,
    );
    const rsa = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });
    assert.throws(
      () => new SoftSigner({ privateKeyPem: rsa.privateKeyPem, certificatePem: a.certificatePem }),
      /SHA1withRSA but its certificate is SM3withSM2/,
    );
  });
});

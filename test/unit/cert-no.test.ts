import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordFor, signingKeyOf } from '#adapters/dynamodb/certificate-registry.ts';
import { SoftSigner } from '#adapters/signers/soft-signer.ts';
import { parseCertificate, sameCertNo, toCertNo } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { ConfigError, ValidationError } from '#core/errors.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';

/**
 * certNo is what the card says (docs/protocol.md §4): lower-case hex of the serial's own bytes,
 * 16 digits on SM2 cards, 8 on older RSA cards, never padded.
 */
const rsaCard = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '011f03d1' });
const sm2Card = makeThrowawayCertificate({ algorithm: 'SM3withSM2', serialHex: '03000000000cde6f' });
const SOURCE = '"sessionID":"S1"||"payExchangeInfoHead":"{}"||"payExchangeInfoLists":"[]"||"serviceTime":"1"';

describe('certNo of a certificate', () => {
  it('an RSA-1024 card with a 4-byte serial is 8 hex digits; an SM2 card with an 8-byte serial is 16', () => {
    assert.equal(parseCertificate(rsaCard.certificatePem).certNo, '011f03d1');
    assert.equal(rsaCard.certNo, '011f03d1');
    assert.equal(parseCertificate(sm2Card.certificatePem).certNo, '03000000000cde6f');
  });

  it('drops a DER sign byte, never a byte of the serial, and writes whole bytes', () => {
    assert.equal(toCertNo('008A1F03D1'), '8a1f03d1');
    assert.equal(toCertNo('011F03D1'), '011f03d1');
    assert.equal(toCertNo('0012'), '0012');
    assert.equal(toCertNo('1f03d1'), '1f03d1');
    assert.equal(toCertNo('f03d1'), '0f03d1');
  });

  it('comparisons differ in case only: a padded certNo is another certNo', () => {
    assert.ok(sameCertNo('011F03D1', '011f03d1'));
    assert.ok(!sameCertNo('00000000011f03d1', '011f03d1'));
    assert.ok(!sameCertNo('11f03d1', '011f03d1'));
  });

  it('a signature checks against the card certNo in either case, not against the padded one', async () => {
    const cert = parseCertificate(rsaCard.certificatePem);
    const { signValue } = await new SoftSigner(rsaCard).sign(SOURCE);
    assert.equal(Buffer.from(signValue, 'base64').length, 128, 'RSA-1024 signs 128 bytes');
    assert.deepEqual(verifySignature({ signSource: SOURCE, signValue, certNo: '011F03D1' }, cert), {
      ok: true,
    });
    const padded = verifySignature({ signSource: SOURCE, signValue, certNo: '00000000011f03d1' }, cert);
    assert.equal(padded.ok, false);
  });
});

describe('a certNo stated by the operator (ceb-grab certs add --cert-no)', () => {
  const now = Date.now();
  const put = (certNo?: string) =>
    recordFor(
      {
        ebpCode: 'E1',
        signer: 'soft',
        keyId: 'soft',
        certificatePem: sm2Card.certificatePem,
        ...(certNo === undefined ? {} : { certNo }),
      },
      now,
    ).record;

  it('is registered lower-cased, and it is the certNo the signer sends and the self-check accepts', async () => {
    const record = put('0A1B2C3D');
    assert.equal(record.certNo, '0a1b2c3d');
    const key = signingKeyOf(record);
    assert.equal(key.certificate.certNo, '0a1b2c3d');
    const signature = await new SoftSigner(sm2Card).sign(SOURCE, key);
    assert.equal(signature.certNo, '0a1b2c3d');
    assert.deepEqual(verifySignature({ signSource: SOURCE, ...signature }, key.certificate), { ok: true });
  });

  it('without one, the serial is registered; a stated certNo that is no hex is refused', () => {
    const record = put();
    assert.equal(record.certNo, '03000000000cde6f');
    assert.equal(record.certNoStated, undefined);
    assert.throws(() => put('cert-1'), ValidationError);
  });

  it('a row written with a padded certNo (before this fix) must be registered again', () => {
    const rsa = recordFor(
      { ebpCode: 'E2', signer: 'hsm-proxy', keyId: 'k', certificatePem: rsaCard.certificatePem },
      now,
    ).record;
    assert.throws(
      () => signingKeyOf({ ...rsa, certNo: '00000000011f03d1' }),
      (e: Error) => e instanceof ConfigError && /certs add --ebp-code E2/.test(e.message),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sm2 } from 'sm-crypto-v2';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { derToRawSignature, rawToDerSignature } from '#core/crypto/der-signature.ts';
import { DEFAULT_USER_ID, sm2Verify } from '#core/crypto/sm2.ts';
import { sm2Digest, sm2VerifyDigest, sm2Za } from '#core/crypto/sm2-digest.ts';
import { ValidationError } from '#core/errors.ts';
import { vectorsFile, vectorText } from '#test/helpers/vectors.ts';

const file = vectorsFile();
const card = parseCertificate(vectorText(file.certificate));
const cardKey = card.publicKey as string;
const good = file.vectors.filter((v) => v.expect === undefined);

describe('the SM2 digest e = SM3(Z_A || M) that KMS signs as a DIGEST', () => {
  it('is the digest the real E-Port card signed: its signatures verify over our e', () => {
    assert.equal(good.length, 2);
    for (const v of good) {
      const e = sm2Digest(vectorText(v.signSource), cardKey);
      assert.equal(e.length, 32);
      assert.ok(sm2VerifyDigest(e, v.signValue, cardKey), `vector ${v.name}`);
    }
    const negative = file.vectors.find((v) => v.expect !== undefined);
    assert.ok(negative);
    assert.equal(
      sm2VerifyDigest(sm2Digest(vectorText(negative.signSource), cardKey), negative.signValue, cardKey),
      false,
    );
  });

  it('binds the user ID and the public key: another ID or key gives another e', () => {
    const v = good[0];
    assert.ok(v);
    const source = vectorText(v.signSource);
    assert.equal(sm2VerifyDigest(sm2Digest(source, cardKey, ''), v.signValue, cardKey), false);
    const other = sm2.generateKeyPairHex().publicKey;
    assert.notDeepEqual(sm2Digest(source, other), sm2Digest(source, cardKey));
  });

  it('agrees with sm-crypto-v2 (Z_A and e), with or without the 04 prefix of the key', () => {
    const key = sm2.generateKeyPairHex().publicKey;
    assert.equal(sm2Za(key).toString('hex'), Buffer.from(sm2.getZ(key, DEFAULT_USER_ID)).toString('hex'));
    assert.deepEqual(sm2Za(key.slice(2)), sm2Za(key));
    const message = '"sessionID":"s"||中文';
    assert.equal(
      sm2Digest(message, key).toString('hex'),
      sm2.getHash(Buffer.from(message, 'utf8').toString('hex'), key, DEFAULT_USER_ID),
    );
    assert.throws(() => sm2Za('02abcd'), ValidationError);
  });

  it('a signature made over e alone verifies over the message with the default user ID', () => {
    const { privateKey, publicKey } = sm2.generateKeyPairHex();
    const message = 'x'.repeat(5000); // larger than KMS takes as RAW
    const der = sm2.doSignature(sm2Digest(message, publicKey), privateKey, { hash: false, der: true });
    const raw = derToRawSignature(Buffer.from(der, 'hex'));
    assert.ok(sm2Verify(message, raw.toString('base64'), publicKey));
  });
});

describe('DER <-> raw r||s', () => {
  it('round-trips signatures whatever their leading bytes (DER integers drop zeros, add a sign byte)', () => {
    const { privateKey } = sm2.generateKeyPairHex();
    const lengths = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const der = Buffer.from(sm2.doSignature(`m${i}`, privateKey, { der: true }), 'hex');
      lengths.add(der.length);
      const raw = derToRawSignature(der);
      assert.equal(raw.length, 64);
      assert.deepEqual(rawToDerSignature(raw), der);
    }
    assert.ok(lengths.size > 1, `DER lengths seen: ${[...lengths].join(', ')}`);
    const small = Buffer.concat([Buffer.alloc(31), Buffer.from([1]), Buffer.from('80'.repeat(32), 'hex')]);
    assert.deepEqual(derToRawSignature(rawToDerSignature(small)), small);
  });

  it('refuses what is not one DER (r, s)', () => {
    assert.throws(() => derToRawSignature(Buffer.from('not der')), ValidationError);
    const der = rawToDerSignature(Buffer.alloc(64, 7));
    assert.throws(() => derToRawSignature(Buffer.concat([der, Buffer.from([0])])), /trailing/);
    // r of 33 significant bytes is no 256-bit scalar
    const tooLong = Buffer.from(`3026022101${'ff'.repeat(32)}020101`, 'hex');
    assert.throws(() => derToRawSignature(tooLong), /not a 256-bit value/);
    assert.throws(() => rawToDerSignature(Buffer.alloc(63)), ValidationError);
  });
});

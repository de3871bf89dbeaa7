import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSigner } from '#adapters/signers/kms-signer.ts';
import { type CertificateInfo, parseCertificate } from '#core/crypto/certificate.ts';
import { sm2Verify } from '#core/crypto/sm2.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { ConfigError, SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';
import type { SigningKey } from '#core/ports.ts';
import { type KmsDouble, startKmsDouble } from '#doubles/kms-double/index.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';

/**
 * KmsSigner over the wire, against the KMS test double (doubles/kms-double): moto has neither SM2 keys
 * nor DIGEST signing, so the double speaks the KMS JSON protocol and signs SM2 in software. What it
 * returns is checked with our verifier (sm-crypto-v2, which verifies the real card vectors).
 */

const card = makeThrowawayCertificate();
const cert = parseCertificate(card.certificatePem);
const SOURCE = `"sessionID":"s-1"||"payExchangeInfoHead":"{"guid":"G","note":"测试"}"||"payExchangeInfoLists":"[]"||"serviceTime":"1"`;

let kms: KmsDouble;
let keyId: string;
const clients: KMSClient[] = [];

function client(opts: { maxAttempts?: number } = {}): KMSClient {
  const c = new KMSClient({
    region: 'cn-north-1',
    endpoint: kms.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...opts,
  });
  clients.push(c);
  return c;
}

const keyOf = (id: string, certificate: CertificateInfo = cert): SigningKey => ({
  ebpCode: 'E1',
  signer: 'kms',
  keyId: id,
  certificate,
});

before(async () => {
  kms = await startKmsDouble();
  keyId = kms.createKey({ privateKeyPem: card.privateKeyPem, alias: 'eport-e1' }).keyId;
});
after(async () => {
  for (const c of clients) c.destroy();
  await kms?.close();
});

describe('KmsSigner with an SM2 key', () => {
  it('makes signatures customs accepts: raw r||s base64 that verifies with the registered certificate', async () => {
    const signer = await KmsSigner.create({ client: client(), keys: [keyOf(keyId)] });
    const sig = await signer.sign(SOURCE, keyOf(keyId));
    assert.equal(sig.certNo, cert.certNo);
    assert.equal(sig.algorithm, 'SM3withSM2');
    assert.equal(Buffer.from(sig.signValue, 'base64').length, 64);
    assert.deepEqual(verifySignature({ signSource: SOURCE, ...sig }, cert), { ok: true });
    assert.equal(sm2Verify(`${SOURCE} `, sig.signValue, cert.publicKey as string), false);
  });

  it('signs sign sources over the 4096-byte RAW limit (it sends the SM2 digest) by id, alias or ARN', async () => {
    const signer = new KmsSigner({ client: client() });
    const big = SOURCE.replace('测试', '测'.repeat(3000));
    assert.ok(Buffer.byteLength(big) > 4096);
    const { arn } = kms.createKey({ privateKeyPem: card.privateKeyPem });
    for (const id of [keyId, 'alias/eport-e1', arn]) {
      const sig = await signer.sign(big, keyOf(id));
      assert.deepEqual(verifySignature({ signSource: big, ...sig }, cert), { ok: true }, id);
    }
  });

  it('AWS_ENDPOINT_URL_KMS points a default client at the double', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_REGION: 'cn-north-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      const c = new KMSClient({});
      clients.push(c);
      const sig = await new KmsSigner({ client: c }).sign(SOURCE, keyOf(keyId));
      assert.deepEqual(verifySignature({ signSource: SOURCE, ...sig }, cert), { ok: true });
    } finally {
      process.env = saved;
    }
  });
});

describe('KmsSigner refuses keys customs would not accept, at start', () => {
  for (const keySpec of ['RSA_2048', 'ECC_NIST_P256'] as const) {
    it(`a key of spec ${keySpec}, saying why`, async () => {
      const other = kms.createKey({ keySpec });
      await assert.rejects(KmsSigner.create({ client: client(), keys: [keyOf(other.keyId)] }), (e: Error) => {
        assert.ok(e instanceof ConfigError, e.name);
        assert.match(e.message, new RegExp(`is ${keySpec}, not SM2`));
        assert.match(e.message, /KMS cannot make SHA1withRSA, and customs accepts no SHA-256 RSA or ECDSA/);
        return true;
      });
    });
  }

  it('an SM2 key for encryption, a disabled key, a key that is not the certificate’s', async () => {
    const encrypt = kms.createKey({ keyUsage: 'ENCRYPT_DECRYPT' });
    const disabled = kms.createKey({ privateKeyPem: card.privateKeyPem, enabled: false });
    const stranger = kms.createKey();
    const refusals: [string, RegExp][] = [
      [encrypt.keyId, /KeyUsage ENCRYPT_DECRYPT; signing needs SIGN_VERIFY/],
      [disabled.keyId, /is Disabled/],
      [stranger.keyId, /public key is not the certificate's/],
    ];
    for (const [id, reason] of refusals) {
      await assert.rejects(KmsSigner.create({ client: client(), keys: [keyOf(id)] }), (e: Error) => {
        assert.ok(e instanceof ConfigError, e.name);
        assert.match(e.message, reason);
        return true;
      });
    }
  });

  it('the check runs before the first signature too, so a signer made without keys refuses the same', async () => {
    const stranger = kms.createKey();
    await assert.rejects(
      new KmsSigner({ client: client() }).sign(SOURCE, keyOf(stranger.keyId)),
      ConfigError,
    );
  });
});

describe('KMS errors while signing', () => {
  it('throttling is retryable (after the SDK’s own retries); one throttle is absorbed by them', async () => {
    const signer = new KmsSigner({ client: client({ maxAttempts: 1 }) });
    await signer.check(keyOf(keyId));
    kms.failNext({ type: 'ThrottlingException', message: 'Rate exceeded' }, 1);
    await assert.rejects(signer.sign(SOURCE, keyOf(keyId)), (e: Error) => {
      assert.ok(e instanceof SignerUnavailableError, e.name);
      assert.equal(e.retryable, true);
      assert.match(e.message, /ThrottlingException/);
      return true;
    });
    const patient = new KmsSigner({ client: client() });
    await patient.check(keyOf(keyId));
    kms.failNext({ type: 'ThrottlingException', message: 'Rate exceeded' }, 1);
    const sig = await patient.sign(SOURCE, keyOf(keyId));
    assert.deepEqual(verifySignature({ signSource: SOURCE, ...sig }, cert), { ok: true });
  });

  it('a 500 from KMS is retryable; a key disabled after start, or access denied, is not', async () => {
    const id = kms.createKey({ privateKeyPem: card.privateKeyPem }).keyId;
    const signer = new KmsSigner({ client: client({ maxAttempts: 1 }) });
    await signer.check(keyOf(id));
    kms.failNext({ type: 'KMSInternalException', status: 500 }, 1);
    await assert.rejects(signer.sign(SOURCE, keyOf(id)), SignerUnavailableError);
    kms.failNext({ type: 'AccessDeniedException', message: 'not authorized to perform kms:Sign' }, 1);
    await assert.rejects(signer.sign(SOURCE, keyOf(id)), /AccessDeniedException/);
    kms.setEnabled(id, false);
    await assert.rejects(signer.sign(SOURCE, keyOf(id)), (e: Error) => {
      assert.ok(e instanceof SignerRejectedError, e.name);
      assert.equal(e.retryable, false);
      assert.match(e.message, /DisabledException/);
      return true;
    });
  });

  it('an unknown key is refused for good', async () => {
    await assert.rejects(
      new KmsSigner({ client: client() }).sign(SOURCE, keyOf('alias/nobody')),
      (e: Error) => e instanceof SignerRejectedError && /NotFoundException/.test(e.message),
    );
  });
});

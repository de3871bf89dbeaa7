import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DisabledException,
  InvalidKeyUsageException,
  type KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { KmsSigner, mapKmsError } from '#adapters/signers/kms-signer.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { ConfigError, SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';
import type { SigningKey } from '#core/ports.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';

/** KMS error classification and the checks made before KMS is asked; the wire is in test/integration. */

const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });
const unmodeled = (name: string, status: number) =>
  new KMSServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    ...meta(status),
    message: name,
  });

describe('KMS errors become retryable or permanent signer errors', () => {
  it('throttling, 5xx, KMS internal errors and network failures may pass: retry later', () => {
    for (const e of [
      unmodeled('ThrottlingException', 400),
      unmodeled('ServiceUnavailableException', 503),
      new KMSInternalException({ message: 'internal', ...meta(500) }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
    ]) {
      const mapped = mapKmsError(e, 'KMS key k');
      assert.ok(mapped instanceof SignerUnavailableError, `${(e as Error).name}: ${mapped.name}`);
      assert.equal(mapped.retryable, true);
      assert.match(mapped.message, /^KMS key k: /);
    }
  });

  it('not found, disabled, access denied, wrong key usage, pending deletion need a human', () => {
    for (const e of [
      new NotFoundException({ message: 'no such key', ...meta(400) }),
      new DisabledException({ message: 'disabled', ...meta(400) }),
      new InvalidKeyUsageException({ message: 'usage', ...meta(400) }),
      new KMSInvalidStateException({ message: 'pending deletion', ...meta(400) }),
      unmodeled('AccessDeniedException', 400),
    ]) {
      const mapped = mapKmsError(e, 'KMS key k');
      assert.ok(mapped instanceof SignerRejectedError, `${e.name}: ${mapped.name}`);
      assert.equal(mapped.retryable, false);
      assert.match(mapped.message, new RegExp(e.name));
    }
  });
});

describe('KmsSigner checks a key before asking KMS to sign', () => {
  // A fake client (no network): every call fails the way an unreachable endpoint does.
  let calls = 0;
  const unreachable = {
    send: async () => {
      calls += 1;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    },
  } as unknown as KMSClient;

  it('refuses an RSA certificate: KMS cannot make SHA1withRSA', async () => {
    const rsa = parseCertificate(makeThrowawayCertificate({ algorithm: 'SHA1withRSA' }).certificatePem);
    const key: SigningKey = { ebpCode: 'E1', signer: 'kms', keyId: 'alias/x', certificate: rsa };
    await assert.rejects(KmsSigner.create({ client: unreachable, keys: [key] }), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /SHA1withRSA.*KMS cannot make SHA1withRSA/);
      return true;
    });
    assert.equal(calls, 0, 'refused without asking KMS');
  });

  it('a KMS that cannot be reached at start is retryable, and is asked again next time', async () => {
    const sm2Cert = parseCertificate(makeThrowawayCertificate().certificatePem);
    const key: SigningKey = { ebpCode: 'E1', signer: 'kms', keyId: 'alias/x', certificate: sm2Cert };
    const signer = new KmsSigner({ client: unreachable });
    calls = 0;
    for (let i = 0; i < 2; i++) {
      await assert.rejects(signer.sign('data', key), SignerUnavailableError);
    }
    assert.equal(calls, 2, 'a failed check is not remembered');
  });
});

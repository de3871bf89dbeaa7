import { sm2 } from 'sm-crypto-v2';
import { DEFAULT_USER_ID } from '#core/crypto/sm2.ts';
import { type DoubleKey, signingAlgorithmsOf } from './keys.ts';

/** An error the way KMS sends it: HTTP status plus `{__type, message}`. */
export class KmsDoubleError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** KMS's limit on a RAW message: why a signer must send SM2 sign sources as a DIGEST. */
export const MAX_RAW_MESSAGE_BYTES = 4096;

export type Body = Record<string, unknown>;
export type FindKey = (keyId: unknown) => DoubleKey;

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

export function describeKey(body: Body, find: FindKey): Body {
  const key = find(body.KeyId);
  return {
    KeyMetadata: {
      AWSAccountId: key.arn.split(':')[4],
      KeyId: key.keyId,
      Arn: key.arn,
      CreationDate: seconds(key.createdAt),
      Enabled: key.enabled,
      KeyState: key.enabled ? 'Enabled' : 'Disabled',
      KeyUsage: key.usage,
      KeySpec: key.spec,
      CustomerMasterKeySpec: key.spec,
      KeyManager: 'CUSTOMER',
      Origin: 'AWS_KMS',
      MultiRegion: false,
      Description: 'ceb-grab KMS test double',
      ...(key.usage === 'SIGN_VERIFY'
        ? { SigningAlgorithms: signingAlgorithmsOf(key) }
        : { EncryptionAlgorithms: key.spec === 'SM2' ? ['SM2PKE'] : ['RSAES_OAEP_SHA_256'] }),
    },
  };
}

export function getPublicKey(body: Body, find: FindKey): Body {
  const key = find(body.KeyId);
  if (!key.enabled) throw new KmsDoubleError('DisabledException', `${key.arn} is disabled.`);
  return {
    KeyId: key.arn,
    PublicKey: key.spki.toString('base64'),
    KeySpec: key.spec,
    CustomerMasterKeySpec: key.spec,
    KeyUsage: key.usage,
    ...(key.usage === 'SIGN_VERIFY' ? { SigningAlgorithms: signingAlgorithmsOf(key) } : {}),
  };
}

export function sign(body: Body, find: FindKey): Body {
  const key = find(body.KeyId);
  if (!key.enabled) throw new KmsDoubleError('DisabledException', `${key.arn} is disabled.`);
  if (key.usage !== 'SIGN_VERIFY') {
    throw new KmsDoubleError('InvalidKeyUsageException', `${key.arn} key usage is ${key.usage}.`);
  }
  const algorithm = body.SigningAlgorithm;
  if (typeof algorithm !== 'string' || !signingAlgorithmsOf(key).includes(algorithm)) {
    throw new KmsDoubleError(
      'InvalidKeyUsageException',
      `Signing algorithm ${String(algorithm)} is not supported by ${key.arn}.`,
    );
  }
  if (typeof body.Message !== 'string') {
    throw new KmsDoubleError('ValidationException', 'Message is required.');
  }
  const message = Buffer.from(body.Message, 'base64');
  const messageType = body.MessageType ?? 'RAW';
  if (messageType === 'RAW' && message.length > MAX_RAW_MESSAGE_BYTES) {
    throw new KmsDoubleError(
      'ValidationException',
      `1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RAW_MESSAGE_BYTES}`,
    );
  }
  if (messageType !== 'RAW' && messageType !== 'DIGEST') {
    throw new KmsDoubleError(
      'ValidationException',
      `MessageType ${String(messageType)} is not RAW or DIGEST.`,
    );
  }
  if (messageType === 'DIGEST' && message.length !== 32) {
    throw new KmsDoubleError('ValidationException', 'Digest is invalid length for algorithm SM2DSA.');
  }
  if (!key.sm2) {
    throw new KmsDoubleError(
      'UnsupportedOperationException',
      'The KMS test double signs only with SM2 keys.',
    );
  }
  // DIGEST: the message is e = SM3(Z_A || M), signed as given. RAW: KMS computes e with the default ID.
  const derHex = sm2.doSignature(message, key.sm2.privateKeyHex, {
    der: true,
    ...(messageType === 'DIGEST'
      ? { hash: false }
      : { hash: true, publicKey: key.sm2.publicKeyHex, userId: DEFAULT_USER_ID }),
  });
  return {
    KeyId: key.arn,
    Signature: Buffer.from(derHex, 'hex').toString('base64'),
    SigningAlgorithm: algorithm,
  };
}

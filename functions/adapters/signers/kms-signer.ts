import {
  DependencyTimeoutException,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  KeyUnavailableException,
  type KMSClient,
  KMSInternalException,
  KMSServiceException,
  SignCommand,
} from '@aws-sdk/client-kms';
import { DER } from '@noble/curves/abstract/weierstrass';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { kmsClient } from '#adapters/aws-clients.ts';
import { derToRawSignature } from '#core/crypto/der-signature.ts';
import { sm2Digest } from '#core/crypto/sm2-digest.ts';
import { CebGrabError, ConfigError, SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';
import type { Signer, SigningKey, SignResult } from '#core/ports.ts';

/**
 * SM2 keys in AWS KMS (China regions). KMS signs SM2DSA over a DIGEST: e = SM3(Z_A || M) is
 * computed here with the default user ID and the registered certificate's public key (sign sources
 * exceed the 4096-byte RAW limit), and KMS's DER signature becomes the raw r||s customs wants.
 * Each key is checked once per container before its first signature: SM2, SIGN_VERIFY, enabled,
 * and the very public key of the certificate registered for the ebpCode.
 */
export class KmsSigner implements Signer {
  private readonly client: KMSClient;
  private readonly checked = new Map<string, Promise<void>>();

  constructor(opts: { client?: KMSClient } = {}) {
    this.client = opts.client ?? kmsClient();
  }

  /** A signer whose keys (e.g. every `kms` entry of the registry) were checked at start. */
  static async create(opts: { client?: KMSClient; keys?: readonly SigningKey[] } = {}): Promise<KmsSigner> {
    const signer = new KmsSigner(opts);
    for (const key of opts.keys ?? []) await signer.check(key);
    return signer;
  }

  /** Refuse a key KMS cannot sign with for customs: ConfigError saying why. Cached once it passes. */
  check(key: SigningKey): Promise<void> {
    const cacheKey = `${key.keyId}\n${key.certificate.certNo}`;
    let pending = this.checked.get(cacheKey);
    if (!pending) {
      pending = this.checkNow(key);
      // A failed check is not remembered: a fixed key (or a network blip) gets another look.
      pending.catch(() => this.checked.delete(cacheKey));
      this.checked.set(cacheKey, pending);
    }
    return pending;
  }

  async sign(data: string, key: SigningKey): Promise<SignResult> {
    await this.check(key);
    const digest = sm2Digest(data, key.certificate.publicKey as string);
    const out = await this.guard(key, () =>
      this.client.send(
        new SignCommand({
          KeyId: key.keyId,
          Message: digest,
          MessageType: 'DIGEST',
          SigningAlgorithm: 'SM2DSA',
        }),
      ),
    );
    if (!out.Signature) throw new SignerUnavailableError(`KMS returned no signature for ${key.keyId}`);
    let raw: Buffer;
    try {
      raw = derToRawSignature(out.Signature);
    } catch (e) {
      throw new SignerRejectedError(
        `KMS key ${key.keyId} returned an unreadable signature: ${(e as Error).message}`,
      );
    }
    return { signValue: raw.toString('base64'), certNo: key.certificate.certNo, algorithm: 'SM3withSM2' };
  }

  private async checkNow(key: SigningKey): Promise<void> {
    const what = `KMS key ${key.keyId} (ebpCode ${key.ebpCode}, certificate ${key.certificate.certNo})`;
    if (key.certificate.algorithm !== 'SM3withSM2') {
      throw new ConfigError(
        `${what}: the certificate is ${key.certificate.algorithm}, and KMS cannot make SHA1withRSA ` +
          '(no RSA-1024, no SHA-1 signing); sign for this certificate through the HSM proxy (signer hsm-proxy)',
      );
    }
    const described = await this.guard(key, () =>
      this.client.send(new DescribeKeyCommand({ KeyId: key.keyId })),
    );
    const meta = described.KeyMetadata;
    const spec = meta?.KeySpec ?? 'unknown';
    if (spec !== 'SM2') {
      throw new ConfigError(
        `${what} is ${spec}, not SM2: customs accepts only SM3withSM2 (current E-Port cards) or ` +
          'SHA1withRSA (old cards); KMS cannot make SHA1withRSA, and customs accepts no SHA-256 RSA or ' +
          'ECDSA signature. Use an SM2 key (China regions) holding the E-Port key, or the HSM proxy',
      );
    }
    if (meta?.KeyUsage !== 'SIGN_VERIFY') {
      throw new ConfigError(`${what} has KeyUsage ${meta?.KeyUsage ?? 'unknown'}; signing needs SIGN_VERIFY`);
    }
    if (meta.KeyState !== 'Enabled') {
      throw new ConfigError(
        `${what} is ${meta.KeyState ?? 'not enabled'}; enable it or register another key`,
      );
    }
    const pub = await this.guard(key, () => this.client.send(new GetPublicKeyCommand({ KeyId: key.keyId })));
    const point = pub.PublicKey ? sm2PointOf(pub.PublicKey) : undefined;
    if (point !== (key.certificate.publicKey as string).toLowerCase()) {
      throw new ConfigError(
        `${what}: the key's public key is not the certificate's, so customs would reject every ` +
          'signature; register the certificate that belongs to this key (`ceb-grab certs add`)',
      );
    }
  }

  private async guard<T>(key: SigningKey, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw mapKmsError(e, `KMS key ${key.keyId} (ebpCode ${key.ebpCode})`);
    }
  }
}

/**
 * The public key bits of a DER SubjectPublicKeyInfo `SEQUENCE { algorithm SEQUENCE, subjectPublicKey
 * BIT STRING }` (for SM2 the uncompressed point, hex 04||x||y), read with @noble/curves' DER reader.
 */
function sm2PointOf(spkiDer: Uint8Array): string | undefined {
  try {
    const { decode } = DER._tlv;
    const spki = decode(0x30, spkiDer);
    const bits = decode(0x03, decode(0x30, spki.v).l);
    if (spki.l.length > 0 || bits.l.length > 0 || bits.v[0] !== 0) return undefined;
    return Buffer.from(bits.v.subarray(1)).toString('hex');
  } catch {
    return undefined;
  }
}

/**
 * KMS errors -> the product's: throttling, 5xx, KMS's own transient faults and network errors may
 * pass (SignerUnavailableError, retryable); any other answer from KMS about the request or the key
 * (not found, disabled, access denied, wrong key usage, pending deletion) needs a human.
 */
export function mapKmsError(e: unknown, what: string): CebGrabError {
  if (e instanceof CebGrabError) return e;
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const sdk = e as Parameters<typeof isThrottlingError>[0];
  if (
    e instanceof KMSInternalException ||
    e instanceof DependencyTimeoutException ||
    e instanceof KeyUnavailableException ||
    isThrottlingError(sdk) ||
    isTransientError(sdk) ||
    isServerError(sdk)
  ) {
    return new SignerUnavailableError(`${what}: KMS is unavailable now (${message})`, { cause: e });
  }
  if (e instanceof KMSServiceException) {
    return new SignerRejectedError(`${what}: KMS refused (${message})`, { cause: e });
  }
  return new SignerUnavailableError(`${what}: KMS could not be reached (${message})`, { cause: e });
}

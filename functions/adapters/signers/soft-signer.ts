import { type CertificateInfo, parseCertificate } from '#core/crypto/certificate.ts';
import { parsePrivateKey, type SoftPrivateKey } from '#core/crypto/private-key.ts';
import { rsaSha1Sign } from '#core/crypto/rsa.ts';
import { sm2PublicKeyOf, sm2Sign } from '#core/crypto/sm2.ts';
import { CertificateNotRegisteredError, ConfigError } from '#core/errors.ts';
import type { CertificateRegistry, Signer, SigningKey, SignResult } from '#core/ports.ts';

/**
 * A software key, for development and tests: SM2 over SM3 with the default user ID (raw r||s,
 * base64) or RSA-SHA1, from a PEM private key and its certificate. Production keys live on a card,
 * a Ukey, an HSM or KMS behind the same `Signer` port.
 */
export class SoftSigner implements Signer {
  readonly certificate: CertificateInfo;
  private readonly key: SoftPrivateKey;

  constructor(material: { privateKeyPem: string; certificatePem: string }) {
    this.key = parsePrivateKey(material.privateKeyPem);
    this.certificate = parseCertificate(material.certificatePem);
    if (this.key.algorithm !== this.certificate.algorithm) {
      throw new ConfigError(
        `the soft signer's key is ${this.key.algorithm} but its certificate is ${this.certificate.algorithm}`,
      );
    }
    if (
      this.key.algorithm === 'SM3withSM2' &&
      sm2PublicKeyOf(this.key.privateKeyHex) !== this.certificate.publicKey
    ) {
      throw new ConfigError(
        `the soft signer's private key does not belong to certificate ${this.certificate.certNo}`,
      );
    }
  }

  /** With a registry `key`, its certNo is sent (an operator may have stated the card's). */
  async sign(data: string, key?: SigningKey): Promise<SignResult> {
    const k = this.key;
    const signValue =
      k.algorithm === 'SM3withSM2'
        ? sm2Sign(data, k.privateKeyHex, this.certificate.publicKey as string)
        : rsaSha1Sign(data, k.key);
    return { signValue, certNo: key?.certificate.certNo ?? this.certificate.certNo, algorithm: k.algorithm };
  }
}

/**
 * The registry of a platform with one software key: its certificate signs for the ebpCodes given
 * (every ebpCode when none are). Deployed stacks with several entities use the DynamoDB registry.
 */
export class SoftKeyRegistry implements CertificateRegistry {
  constructor(
    private readonly certificate: CertificateInfo,
    private readonly ebpCodes?: ReadonlySet<string>,
  ) {}
  async keyFor(ebpCode: string): Promise<SigningKey> {
    if (this.ebpCodes && !this.ebpCodes.has(ebpCode)) {
      throw new CertificateNotRegisteredError(`no certificate is registered for ebpCode ${ebpCode}`);
    }
    return { ebpCode, signer: 'soft', keyId: 'soft', certificate: this.certificate };
  }
}

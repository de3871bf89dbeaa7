import { type CertificateInfo, parseCertificate } from '#core/crypto/certificate.ts';
import { parsePrivateKey, type SoftPrivateKey } from '#core/crypto/private-key.ts';
import { rsaSha1Sign } from '#core/crypto/rsa.ts';
import { sm2PublicKeyOf, sm2Sign } from '#core/crypto/sm2.ts';
import { ConfigError } from '#core/errors.ts';
import type { CertificateRegistry, Signer, SignResult } from '#core/ports.ts';

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

  async sign(data: string): Promise<SignResult> {
    const k = this.key;
    const signValue =
      k.algorithm === 'SM3withSM2'
        ? sm2Sign(data, k.privateKeyHex, this.certificate.publicKey as string)
        : rsaSha1Sign(data, k.key);
    return { signValue, certNo: this.certificate.certNo, algorithm: k.algorithm };
  }
}

/** One certificate for every ebpCode: the registry of a single-entity platform (issue 3 adds more). */
export class SingleCertificateRegistry implements CertificateRegistry {
  constructor(private readonly certificate: CertificateInfo) {}
  async certificateFor(): Promise<CertificateInfo> {
    return this.certificate;
  }
}

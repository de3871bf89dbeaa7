import { type KeyObject, X509Certificate } from 'node:crypto';
import { ValidationError } from '../errors.ts';

export type SignAlgorithm = 'SM3withSM2' | 'SHA1withRSA';

/** What the product needs to know of an E-Port certificate. */
export interface CertificateInfo {
  /**
   * The certNo customs knows the certificate by: the card's own certNo, which is the lower-case hex
   * of the serial's bytes (16 digits on SM2 cards, 8 on older RSA ones), or what an operator stated.
   */
  readonly certNo: string;
  readonly algorithm: SignAlgorithm;
  /** SM2: uncompressed public point as hex (04||x||y). RSA: the public key object. */
  readonly publicKey: string | KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: string;
  readonly pem: string;
}

const SM2_CURVE_OID_DER = Buffer.from('06082a811ccf5501822d', 'hex'); // 1.2.156.10197.1.301

/**
 * certNo of a serial: lower-case hex of the serial's own bytes, never padded (docs/protocol.md §4:
 * an RSA card with a 4-byte serial says `011f03d1`, and customs answers 20004 to `00000000011f03d1`).
 * A DER sign byte (00 before a byte >= 80) is not the serial's own; an odd digit count is one byte.
 */
export function toCertNo(serialHex: string): string {
  const hex = serialHex.trim().toLowerCase();
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return /^00[89a-f]/.test(even) ? even.slice(2) : even;
}

/** A certNo as a card or an operator states it, as it is compared, registered and sent: lower case. */
export const normalizeCertNo = (certNo: string): string => certNo.trim().toLowerCase();

/** Two certNos are the same certificate when they differ at most in case. */
export const sameCertNo = (a: string, b: string): boolean => normalizeCertNo(a) === normalizeCertNo(b);

/** What a stated certNo may look like: hex digits, as every card shows it. */
export const CERT_NO_PATTERN = /^[0-9a-fA-F]{1,64}$/;

/** The certificate known to customs by a certNo an operator stated (the card's, when it differs). */
export const withCertNo = (cert: CertificateInfo, certNo: string): CertificateInfo => ({
  ...cert,
  certNo: normalizeCertNo(certNo),
});

export function parseCertificate(pem: string): CertificateInfo {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (e) {
    throw new ValidationError(`not a readable X.509 certificate: ${(e as Error).message}`);
  }
  const key = cert.publicKey;
  const spki = key.export({ format: 'der', type: 'spki' });
  let algorithm: SignAlgorithm;
  let publicKey: string | KeyObject;
  if (key.asymmetricKeyType === 'rsa') {
    algorithm = 'SHA1withRSA';
    publicKey = key;
  } else if (spki.includes(SM2_CURVE_OID_DER)) {
    algorithm = 'SM3withSM2';
    // The SubjectPublicKeyInfo of an SM2 key ends in the 65-byte uncompressed point.
    publicKey = spki.subarray(spki.length - 65).toString('hex');
  } else {
    throw new ValidationError(
      `certificate key type ${key.asymmetricKeyType ?? 'unknown'} is not SM2 or RSA: customs accepts only SM3withSM2 or SHA1withRSA`,
    );
  }
  return {
    certNo: toCertNo(cert.serialNumber),
    algorithm,
    publicKey,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    subject: cert.subject,
    pem: cert.toString(),
  };
}

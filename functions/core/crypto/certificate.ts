import { type KeyObject, X509Certificate } from 'node:crypto';
import { ValidationError } from '../errors.ts';

export type SignAlgorithm = 'SM3withSM2' | 'SHA1withRSA';

/** What the product needs to know of an E-Port certificate. */
export interface CertificateInfo {
  /** The serial number as customs wants it: lower-case hex, zero-padded to 16 characters. */
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

/** certNo: the certificate serial as lower-case hex, zero-padded to 16 (docs/protocol.md §4). */
export const toCertNo = (serialHex: string): string =>
  serialHex
    .toLowerCase()
    .replace(/^0+(?=.)/, '')
    .padStart(16, '0');

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

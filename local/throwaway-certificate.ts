import { createPrivateKey, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ECParameters, ECPrivateKey } from '@peculiar/asn1-ecc';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { sm2 } from 'sm-crypto-v2';
import { type SignAlgorithm, toCertNo } from '#core/crypto/certificate.ts';
import { DEFAULT_USER_ID } from '#core/crypto/sm2.ts';

/**
 * A self-signed certificate and key shaped like an E-Port card's (SM2 with an SM3 signature, or
 * RSA-1024 with SHA-1), for the local run and tests. Never a real enterprise certificate.
 */
export interface ThrowawayCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly certNo: string;
  readonly algorithm: SignAlgorithm;
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  sm2Curve: '1.2.156.10197.1.301',
  sm2WithSm3: '1.2.156.10197.1.501',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  commonName: '2.5.4.3',
  organizationalUnit: '2.5.4.11',
  country: '2.5.4.6',
};
const NULL_PARAMS = new Uint8Array([0x05, 0x00]).buffer;

export function makeThrowawayCertificate(
  opts: {
    algorithm?: SignAlgorithm;
    commonName?: string;
    organization?: string;
    notBefore?: Date;
    notAfter?: Date;
    serialHex?: string;
  } = {},
): ThrowawayCertificate {
  const algorithm = opts.algorithm ?? 'SM3withSM2';
  const notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = opts.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  // A positive 8-byte serial, so certNo is 16 hex characters like a card's.
  const serial = Buffer.from(opts.serialHex ?? `03${randomBytes(7).toString('hex')}`, 'hex');
  const name = dn(
    opts.commonName ?? 'ceb-grab local signer',
    opts.organization ?? 'ceb-grab throwaway (not an E-Port certificate)',
  );

  const key = algorithm === 'SM3withSM2' ? sm2Key() : rsaKey();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: key.signatureAlgorithm,
    issuer: name,
    subject: name,
    validity: new Validity({ notBefore, notAfter }),
    subjectPublicKeyInfo: key.spki,
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: key.signatureAlgorithm,
    signatureValue: new Uint8Array(key.sign(tbsDer)).buffer,
  });
  return {
    certificatePem: pem('CERTIFICATE', Buffer.from(AsnConvert.serialize(cert))),
    privateKeyPem: key.privateKeyPem,
    certNo: toCertNo(serial.toString('hex')),
    algorithm,
  };
}

function dn(commonName: string, unit: string): Name {
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  return new Name([
    rdn(OID.country, 'CN'),
    rdn(OID.organizationalUnit, unit),
    rdn(OID.commonName, commonName),
  ]);
}

function sm2Key() {
  const { privateKey, publicKey } = sm2.generateKeyPairHex();
  const point = Buffer.from(publicKey, 'hex');
  const curve = AsnConvert.serialize(new ECParameters({ namedCurve: OID.sm2Curve }));
  const algorithm = new AlgorithmIdentifier({ algorithm: OID.ecPublicKey, parameters: curve });
  const pkcs8 = new PrivateKeyInfo({
    privateKeyAlgorithm: algorithm,
    privateKey: new OctetString(
      AsnConvert.serialize(
        new ECPrivateKey({
          privateKey: new OctetString(Buffer.from(privateKey.padStart(64, '0'), 'hex')),
          publicKey: new Uint8Array(point).buffer,
        }),
      ),
    ),
  });
  return {
    spki: new SubjectPublicKeyInfo({ algorithm, subjectPublicKey: new Uint8Array(point).buffer }),
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sm2WithSm3 }),
    // X.509 signatures are DER-encoded (r, s), over the TBS bytes, with the default user ID.
    sign: (tbs: Buffer) =>
      Buffer.from(
        sm2.doSignature(tbs, privateKey, { hash: true, der: true, userId: DEFAULT_USER_ID, publicKey }),
        'hex',
      ),
    privateKeyPem: pem('PRIVATE KEY', Buffer.from(AsnConvert.serialize(pkcs8))),
  };
}

function rsaKey() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return {
    spki: AsnConvert.parse(publicKey.export({ format: 'der', type: 'spki' }), SubjectPublicKeyInfo),
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha1WithRsa, parameters: NULL_PARAMS }),
    sign: (tbs: Buffer) => createSign('RSA-SHA1').update(tbs).sign(privateKey),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

function pem(label: string, der: Buffer): string {
  const b64 =
    der
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n') ?? '';
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The PEM private key is readable by node:crypto (a quick self-test used by tests). */
export const isReadableKey = (privateKeyPem: string): boolean => {
  try {
    createPrivateKey(privateKeyPem);
    return true;
  } catch {
    return false;
  }
};

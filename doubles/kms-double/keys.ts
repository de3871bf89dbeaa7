import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { ECParameters } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { sm2 } from 'sm-crypto-v2';
import { parsePrivateKey } from '#core/crypto/private-key.ts';

/** The key specs the double hosts: SM2 to sign with, the others so a signer's refusal can be tested. */
export type DoubleKeySpec = 'SM2' | 'RSA_2048' | 'ECC_NIST_P256';
export type DoubleKeyUsage = 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT';

export interface CreateKeyOptions {
  readonly keySpec?: DoubleKeySpec;
  readonly keyUsage?: DoubleKeyUsage;
  /** an SM2 private key (PKCS#8 or SEC1 PEM), e.g. a throwaway certificate's; a new key when absent */
  readonly privateKeyPem?: string;
  /** an SM2 private scalar as hex, instead of a PEM */
  readonly privateKeyHex?: string;
  /** `alias/<name>` or `<name>`: the key can then be named by its alias */
  readonly alias?: string;
  readonly enabled?: boolean;
}

export interface DoubleKey {
  readonly keyId: string;
  readonly arn: string;
  readonly spec: DoubleKeySpec;
  readonly usage: DoubleKeyUsage;
  readonly createdAt: Date;
  enabled: boolean;
  /** DER SubjectPublicKeyInfo, as GetPublicKey returns it */
  readonly spki: Buffer;
  /** SM2 only: the private scalar (hex) and the uncompressed public point (hex 04||x||y) */
  readonly sm2?: { readonly privateKeyHex: string; readonly publicKeyHex: string };
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_SM2_CURVE = '1.2.156.10197.1.301';

export const signingAlgorithmsOf = (key: DoubleKey): string[] =>
  key.usage !== 'SIGN_VERIFY'
    ? []
    : key.spec === 'SM2'
      ? ['SM2DSA']
      : key.spec === 'ECC_NIST_P256'
        ? ['ECDSA_SHA_256']
        : ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'];

export function makeKey(opts: CreateKeyOptions, arnPrefix: string): DoubleKey {
  const keyId = randomUUID();
  const spec = opts.keySpec ?? 'SM2';
  const base = {
    keyId,
    arn: `${arnPrefix}:key/${keyId}`,
    spec,
    usage: opts.keyUsage ?? 'SIGN_VERIFY',
    createdAt: new Date(),
    enabled: opts.enabled ?? true,
  } as const;
  if (spec === 'SM2') {
    const sm2Key = sm2Material(opts);
    return { ...base, sm2: sm2Key, spki: sm2Spki(sm2Key.publicKeyHex) };
  }
  if (opts.privateKeyPem || opts.privateKeyHex) {
    throw new Error('the KMS double imports only SM2 private keys');
  }
  const pair =
    spec === 'RSA_2048'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { ...base, spki: spkiOf(pair.publicKey) };
}

function sm2Material(opts: CreateKeyOptions): { privateKeyHex: string; publicKeyHex: string } {
  let privateKeyHex = opts.privateKeyHex;
  if (opts.privateKeyPem) {
    const parsed = parsePrivateKey(opts.privateKeyPem);
    if (parsed.algorithm !== 'SM3withSM2') throw new Error('privateKeyPem is not an SM2 key');
    privateKeyHex = parsed.privateKeyHex;
  }
  if (!privateKeyHex) privateKeyHex = sm2.generateKeyPairHex().privateKey;
  return { privateKeyHex, publicKeyHex: sm2.getPublicKeyFromPrivateKey(privateKeyHex) };
}

function sm2Spki(publicKeyHex: string): Buffer {
  const curve = AsnConvert.serialize(new ECParameters({ namedCurve: OID_SM2_CURVE }));
  const spki = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: OID_EC_PUBLIC_KEY, parameters: curve }),
    subjectPublicKey: new Uint8Array(Buffer.from(publicKeyHex, 'hex')).buffer,
  });
  return Buffer.from(AsnConvert.serialize(spki));
}

const spkiOf = (publicKey: KeyObject): Buffer => publicKey.export({ format: 'der', type: 'spki' });

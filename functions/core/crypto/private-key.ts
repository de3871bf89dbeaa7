import { createPrivateKey, type KeyObject } from 'node:crypto';
import { DER } from '@noble/curves/abstract/weierstrass';
import { ConfigError } from '../errors.ts';

export type SoftPrivateKey =
  | { readonly algorithm: 'SM3withSM2'; readonly privateKeyHex: string }
  | { readonly algorithm: 'SHA1withRSA'; readonly key: KeyObject };

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;

/**
 * Read a PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY", SM2 or RSA). Node reads and checks the
 * PEM, and can load an SM2 key but neither hand out its scalar nor export it as SEC1 or JWK; so the
 * scalar is read from Node's PKCS#8 export, with @noble/curves' DER reader:
 * PrivateKeyInfo { version, algorithm, privateKey: OCTET STRING { ECPrivateKey { version, privateKey: OCTET STRING } } }.
 */
export function parsePrivateKey(pem: string): SoftPrivateKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new ConfigError(`not a readable PEM private key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return { algorithm: 'SHA1withRSA', key };
  let scalar: Uint8Array;
  try {
    scalar = ecScalarOf(key.export({ format: 'der', type: 'pkcs8' }));
  } catch (e) {
    throw new ConfigError(`not an SM2 or RSA private key: ${(e as Error).message}`);
  }
  return { algorithm: 'SM3withSM2', privateKeyHex: Buffer.from(scalar).toString('hex').padStart(64, '0') };
}

function ecScalarOf(pkcs8: Uint8Array): Uint8Array {
  const { decode } = DER._tlv;
  const afterVersion = decode(INTEGER, decode(SEQUENCE, pkcs8).v).l;
  const afterAlgorithm = decode(SEQUENCE, afterVersion).l;
  const ecPrivateKey = decode(SEQUENCE, decode(OCTET_STRING, afterAlgorithm).v).v;
  return decode(OCTET_STRING, decode(INTEGER, ecPrivateKey).l).v;
}

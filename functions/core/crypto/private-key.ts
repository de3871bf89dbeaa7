import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ECPrivateKey } from '@peculiar/asn1-ecc';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ConfigError } from '../errors.ts';

export type SoftPrivateKey =
  | { readonly algorithm: 'SM3withSM2'; readonly privateKeyHex: string }
  | { readonly algorithm: 'SHA1withRSA'; readonly key: KeyObject };

/**
 * Read a PEM private key (PKCS#8 or SEC1 "EC PRIVATE KEY", SM2 or RSA). Node can load an SM2 key
 * but not hand out its scalar, so the SM2 scalar is read from the DER.
 */
export function parsePrivateKey(pem: string): SoftPrivateKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new ConfigError(`not a readable PEM private key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return { algorithm: 'SHA1withRSA', key };
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const info = AsnConvert.parse(der, PrivateKeyInfo);
  const ec = AsnConvert.parse(info.privateKey.buffer, ECPrivateKey);
  const scalar = Buffer.from(ec.privateKey.buffer).toString('hex').padStart(64, '0');
  return { algorithm: 'SM3withSM2', privateKeyHex: scalar };
}

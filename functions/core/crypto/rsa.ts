import { createSign, createVerify, type KeyObject } from 'node:crypto';

/** Older E-Port cards: RSA-1024, PKCS#1 v1.5 over SHA-1, base64 (docs/protocol.md §4). */
export function rsaSha1Sign(message: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA1').update(message, 'utf8').sign(privateKey, 'base64');
}

export function rsaSha1Verify(message: string, signValueBase64: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA1').update(message, 'utf8').verify(publicKey, signValueBase64, 'base64');
  } catch {
    return false;
  }
}

import { sm2 } from 'sm-crypto-v2';
import { sm2Digest } from './sm2-digest.ts';

export { DEFAULT_USER_ID } from './sm2-digest.ts';

type PrecomputedKey = ReturnType<typeof sm2.precomputePublicKey>;
// Precomputed tables make verification several times faster; one per key, kept for the container's life.
const precomputed = new Map<string, PrecomputedKey>();

function keyFor(publicKeyHex: string): PrecomputedKey {
  let key = precomputed.get(publicKeyHex);
  if (!key) {
    key = sm2.precomputePublicKey(publicKeyHex);
    precomputed.set(publicKeyHex, key);
  }
  return key;
}

// Both directions hash e = SM3(Z_A || M) here (Z_A cached per key) and hand the library the 32-byte
// digest: the library's own hashing turns M into hex and back, which costs more than the curve
// arithmetic for a 20-order sign source (see `npm run bench`).

/** Sign the UTF-8 bytes of `message`; base64 of the raw 64-byte r||s, as the card returns it. */
export function sm2Sign(message: string | Uint8Array, privateKeyHex: string, publicKeyHex?: string): string {
  const e = sm2Digest(message, publicKeyHex ?? sm2PublicKeyOf(privateKeyHex));
  const hex = sm2.doSignature(e, privateKeyHex, { hash: false, der: false });
  return Buffer.from(hex.padStart(128, '0'), 'hex').toString('base64');
}

export function sm2Verify(
  message: string | Uint8Array,
  signValueBase64: string,
  publicKeyHex: string,
): boolean {
  const sig = Buffer.from(signValueBase64, 'base64');
  if (sig.length !== 64) return false;
  try {
    return sm2.doVerifySignature(
      sm2Digest(message, publicKeyHex),
      sig.toString('hex'),
      keyFor(publicKeyHex),
      {
        hash: false,
        der: false,
      },
    );
  } catch {
    return false;
  }
}

export const sm2PublicKeyOf = (privateKeyHex: string): string =>
  sm2.getPublicKeyFromPrivateKey(privateKeyHex);

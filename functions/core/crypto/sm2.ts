import { sm2 } from 'sm-crypto-v2';

/** E-Port cards sign with SM2 over SM3 and this default user ID (PROTOCOL.md §4). */
export const DEFAULT_USER_ID = '1234567812345678';

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

/** Sign the UTF-8 bytes of `message`; base64 of the raw 64-byte r||s, as the card returns it. */
export function sm2Sign(message: string | Uint8Array, privateKeyHex: string, publicKeyHex?: string): string {
  const hex = sm2.doSignature(message, privateKeyHex, {
    hash: true,
    der: false,
    userId: DEFAULT_USER_ID,
    ...(publicKeyHex ? { publicKey: publicKeyHex } : {}),
  });
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
    return sm2.doVerifySignature(message, sig.toString('hex'), keyFor(publicKeyHex), {
      hash: true,
      der: false,
      userId: DEFAULT_USER_ID,
    });
  } catch {
    return false;
  }
}

export const sm2PublicKeyOf = (privateKeyHex: string): string =>
  sm2.getPublicKeyFromPrivateKey(privateKeyHex);

import { sm2 } from 'sm-crypto-v2';
import { sm2Digest } from './sm2-digest.ts';

export { DEFAULT_USER_ID } from './sm2-digest.ts';

type PrecomputedKey = ReturnType<typeof sm2.precomputePublicKey>;
// Precomputed tables make verification several times faster; one per key, kept for the container's life.
const precomputed = new Map<string, PrecomputedKey>();

/**
 * The window of the base point's table, which every signature and verification multiplies with.
 * The library's default, 8, is a table of 4,224 points, built at the first multiplication (at a soft
 * key's cold start: about 60 ms, a third of the worker's init); 6 is 1,376 points, built in a third of
 * the time, for about 20% slower signing and 10% slower verification (`npm run bench:signer`: both
 * stay well above 1,000/s). The per-key tables keep window 8: they are built once per key, on its
 * first verification, and verification is the slower of the two.
 */
export const SM2_BASE_WINDOW = 6;
const SM2_G =
  '0432c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0';
let baseWindowSet = false;

/** Before the first multiplication: sm-crypto-v2 exports no curve, so reach noble's Point class through a point it hands out. */
function setBaseWindow(): void {
  if (baseWindowSet) return;
  const point = sm2.precomputePublicKey(SM2_G, 2) as unknown as {
    constructor: { BASE?: { precompute?: (windowSize: number) => unknown } };
  };
  const base = point.constructor.BASE;
  if (typeof base?.precompute !== 'function') {
    throw new Error('sm-crypto-v2 no longer hands out noble points: revisit SM2_BASE_WINDOW');
  }
  base.precompute(SM2_BASE_WINDOW);
  baseWindowSet = true;
}

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
  setBaseWindow();
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
  setBaseWindow();
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

export function sm2PublicKeyOf(privateKeyHex: string): string {
  setBaseWindow();
  return sm2.getPublicKeyFromPrivateKey(privateKeyHex);
}

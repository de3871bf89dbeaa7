import { sm2, sm3 } from 'sm-crypto-v2';
import { ValidationError } from '../errors.ts';

/** E-Port cards sign with SM2 over SM3 and this default user ID (docs/protocol.md §4). */
export const DEFAULT_USER_ID = '1234567812345678';

/**
 * The SM2 signing digest e = SM3(Z_A || M), computed here so a device that signs a precomputed
 * digest (AWS KMS with MessageType DIGEST) signs exactly what a card signs over M. Z_A binds the
 * user ID and the signer's public key (GB/T 32918.2 §5.5); cards use the default user ID.
 */

// The SM2 recommended curve (GB/T 32918.5): a, b, and the base point G.
const CURVE_A = 'fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc';
const CURVE_B = '28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93';
const CURVE_GX = '32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7';
const CURVE_GY = 'bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0';

/** x||y (64 bytes) of an uncompressed SM2 public key given as hex 04||x||y or x||y. */
function pointXY(publicKeyHex: string): Buffer {
  const hex = publicKeyHex.toLowerCase();
  if (/^04[0-9a-f]{128}$/.test(hex)) return Buffer.from(hex.slice(2), 'hex');
  if (/^[0-9a-f]{128}$/.test(hex)) return Buffer.from(hex, 'hex');
  throw new ValidationError('an SM2 public key must be the uncompressed point as hex (04||x||y)');
}

// Z_A of each key with the default user ID, kept for the container's life (a handful of certificates).
const defaultZa = new Map<string, Buffer>();

/** Z_A = SM3(ENTL_A || ID_A || a || b || xG || yG || xA || yA); ENTL_A is the ID's length in bits. */
export function sm2Za(publicKeyHex: string, userId: string = DEFAULT_USER_ID): Buffer {
  if (userId !== DEFAULT_USER_ID) return computeZa(publicKeyHex, userId);
  let z = defaultZa.get(publicKeyHex);
  if (!z) {
    z = computeZa(publicKeyHex, userId);
    defaultZa.set(publicKeyHex, z);
  }
  return z;
}

function computeZa(publicKeyHex: string, userId: string): Buffer {
  const id = Buffer.from(userId, 'utf8');
  const entl = id.length * 8;
  if (entl > 0xffff) throw new ValidationError('an SM2 user ID is at most 8191 bytes');
  const data = Buffer.concat([
    Buffer.from([entl >> 8, entl & 0xff]),
    id,
    Buffer.from(CURVE_A + CURVE_B + CURVE_GX + CURVE_GY, 'hex'),
    pointXY(publicKeyHex),
  ]);
  return Buffer.from(sm3(data), 'hex');
}

/** e = SM3(Z_A || M) over the UTF-8 bytes of `message`: the 32 bytes an SM2 signature is made over. */
export function sm2Digest(
  message: string | Uint8Array,
  publicKeyHex: string,
  userId: string = DEFAULT_USER_ID,
): Buffer {
  const m = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.from(sm3(Buffer.concat([sm2Za(publicKeyHex, userId), m])), 'hex');
}

/** Verify a raw 64-byte r||s signature (base64) over a precomputed digest e. */
export function sm2VerifyDigest(digest: Uint8Array, signValueBase64: string, publicKeyHex: string): boolean {
  const sig = Buffer.from(signValueBase64, 'base64');
  if (sig.length !== 64 || digest.length !== 32) return false;
  try {
    return sm2.doVerifySignature(digest, sig.toString('hex'), publicKeyHex, { hash: false, der: false });
  } catch {
    return false;
  }
}

import { DER } from '@noble/curves/abstract/weierstrass';
import { ValidationError } from '../errors.ts';

/**
 * SM2 and ECDSA signatures travel in two shapes: DER `SEQUENCE { r INTEGER, s INTEGER }` (what KMS
 * and X.509 use) and the raw 64-byte r||s customs wants (docs/protocol.md §4). DER integers are signed
 * and minimal, so a 32-byte value may take 33 bytes (a leading zero) or fewer. The DER codec is
 * @noble/curves' (the curve library under sm-crypto-v2), strict about minimal encodings.
 */

const SCALAR_BYTES = 32;
const SCALAR_LIMIT = 1n << BigInt(8 * SCALAR_BYTES);

function toFixed(value: bigint, what: string): Buffer {
  if (value <= 0n || value >= SCALAR_LIMIT) {
    throw new ValidationError(`the DER signature's ${what} is not a 256-bit value`);
  }
  return Buffer.from(value.toString(16).padStart(2 * SCALAR_BYTES, '0'), 'hex');
}

/** DER (r, s) -> raw r||s, 64 bytes. Throws ValidationError when the bytes are not such a DER. */
export function derToRawSignature(der: Uint8Array): Buffer {
  let sig: { r: bigint; s: bigint };
  try {
    // Checked apart from toSig only to name the fault: a signature a device made has no trailing bytes.
    if (DER._tlv.decode(0x30, der).l.length > 0) {
      throw new ValidationError('not a DER-encoded (r, s) signature: trailing bytes');
    }
    sig = DER.toSig(der);
  } catch (e) {
    if (e instanceof ValidationError) throw e;
    throw new ValidationError(`not a DER-encoded (r, s) signature: ${(e as Error).message}`);
  }
  return Buffer.concat([toFixed(sig.r, 'r'), toFixed(sig.s, 's')]);
}

/** Raw r||s (64 bytes) -> DER (r, s). */
export function rawToDerSignature(raw: Uint8Array): Buffer {
  if (raw.length !== 2 * SCALAR_BYTES) {
    throw new ValidationError(`a raw r||s signature is 64 bytes; this one is ${raw.length}`);
  }
  const integer = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);
  const hex = DER.hexFromSig({
    r: integer(raw.subarray(0, SCALAR_BYTES)),
    s: integer(raw.subarray(SCALAR_BYTES)),
  });
  return Buffer.from(hex, 'hex');
}

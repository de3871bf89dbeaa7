import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ValidationError } from '../errors.ts';

/**
 * SM2 and ECDSA signatures travel in two shapes: DER `SEQUENCE { r INTEGER, s INTEGER }` (what KMS
 * and X.509 use) and the raw 64-byte r||s customs wants (PROTOCOL.md §4). DER integers are signed
 * and minimal, so a 32-byte value may take 33 bytes (a leading zero) or fewer.
 */

const SCALAR_BYTES = 32;

function toFixed(integer: ArrayBuffer, what: string): Buffer {
  let bytes = Buffer.from(integer);
  while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1);
  if (bytes.length === 0 || bytes.length > SCALAR_BYTES) {
    throw new ValidationError(`the DER signature's ${what} is not a 256-bit value`);
  }
  return Buffer.concat([Buffer.alloc(SCALAR_BYTES - bytes.length), bytes]);
}

/** DER (r, s) -> raw r||s, 64 bytes. Throws ValidationError when the bytes are not such a DER. */
export function derToRawSignature(der: Uint8Array): Buffer {
  let value: ECDSASigValue;
  try {
    value = AsnConvert.parse(der, ECDSASigValue);
  } catch (e) {
    throw new ValidationError(`not a DER-encoded (r, s) signature: ${(e as Error).message}`);
  }
  // AsnConvert ignores trailing bytes; a signature with any is not one a device made.
  if (Buffer.from(AsnConvert.serialize(value)).length !== der.length) {
    throw new ValidationError('not a DER-encoded (r, s) signature: trailing bytes');
  }
  return Buffer.concat([toFixed(value.r, 'r'), toFixed(value.s, 's')]);
}

/** Raw r||s (64 bytes) -> DER (r, s). */
export function rawToDerSignature(raw: Uint8Array): Buffer {
  if (raw.length !== 2 * SCALAR_BYTES) {
    throw new ValidationError(`a raw r||s signature is 64 bytes; this one is ${raw.length}`);
  }
  const integer = (b: Uint8Array) => {
    let bytes = Buffer.from(b);
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    // A set high bit would read as negative: DER needs a leading zero then.
    if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return new Uint8Array(bytes).buffer;
  };
  const value = new ECDSASigValue({
    r: integer(raw.subarray(0, SCALAR_BYTES)),
    s: integer(raw.subarray(SCALAR_BYTES)),
  });
  return Buffer.from(AsnConvert.serialize(value));
}

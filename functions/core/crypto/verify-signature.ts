import type { KeyObject } from 'node:crypto';
import { type CertificateInfo, sameCertNo } from './certificate.ts';
import { rsaSha1Verify } from './rsa.ts';
import { sm2Verify } from './sm2.ts';

export type VerifyResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Check a signValue over a sign source against a certificate, the way customs does: the certNo
 * must be the certificate's and the signature must verify over the exact UTF-8 bytes.
 */
export function verifySignature(
  input: { readonly signSource: string; readonly signValue: string; readonly certNo: string },
  cert: CertificateInfo,
): VerifyResult {
  if (!sameCertNo(input.certNo, cert.certNo)) {
    return { ok: false, reason: `certNo ${input.certNo} is not the certificate's certNo ${cert.certNo}` };
  }
  const sig = Buffer.from(input.signValue, 'base64');
  if (cert.algorithm === 'SM3withSM2') {
    if (sig.length !== 64) {
      return { ok: false, reason: `an SM2 signValue is 64 bytes of r||s; this one is ${sig.length} bytes` };
    }
    return sm2Verify(input.signSource, input.signValue, cert.publicKey as string)
      ? { ok: true }
      : { ok: false, reason: 'the SM2 signature does not verify over these bytes with this certificate' };
  }
  return rsaSha1Verify(input.signSource, input.signValue, cert.publicKey as KeyObject)
    ? { ok: true }
    : { ok: false, reason: 'the RSA-SHA1 signature does not verify over these bytes with this certificate' };
}

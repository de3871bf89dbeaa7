import type { KeyObject } from 'node:crypto';
import { type CertificateInfo, sameCertNo } from '../crypto/certificate.ts';
import { EXPIRY_WARNING_DAYS } from '../crypto/certificate-validity.ts';
import { derToRawSignature } from '../crypto/der-signature.ts';
import { rsaSha1Verify } from '../crypto/rsa.ts';
import { sm2Verify } from '../crypto/sm2.ts';
import { sm2Digest, sm2VerifyDigest } from '../crypto/sm2-digest.ts';
import { ValidationError } from '../errors.ts';
import { parsePayExInfoStr } from '../protocol/pay-ex-info-str.ts';
import { buildSignSource, type SignSourceParts } from '../protocol/sign-source.ts';
import { readSignSource, wrongVariants } from './sign-source-variants.ts';

/**
 * Would customs accept this signature? Checks a payExInfoStr (customs rebuilds the sign source from
 * its raw text) or a sign source with its signValue against a certificate, and when it fails says
 * why: certNo, signature form (DER, hex, RSA vs SM2), which wrong bytes were signed, validity.
 */
export type VerifyInput =
  | { readonly payExInfoStr: string }
  | { readonly signSource: string; readonly signValue: string; readonly certNo?: string };

export interface VerifyReport {
  readonly ok: boolean;
  readonly certificate: { readonly certNo: string; readonly algorithm: string; readonly notAfter: string };
  /** the sign source customs checks the signature over (rebuilt as customs does) */
  readonly signSource: string;
  readonly sessionID?: string;
  readonly serviceTime?: number;
  /** why customs would refuse it; empty exactly when ok */
  readonly problems: readonly string[];
  /** worth knowing, not a reason to refuse */
  readonly notes: readonly string[];
}

interface Claim {
  signSource: string;
  parts?: SignSourceParts;
  signValue: string;
  certNo?: string;
  sessionID?: string;
  ebpCode?: string;
  /** the sign source as handed in, when it is not the form customs rebuilds */
  asGiven?: { text: string; problems: readonly string[] };
}

const DAY_MS = 86_400_000;

export function explainVerification(
  input: VerifyInput,
  cert: CertificateInfo,
  opts: { now: number; ebpCode?: string },
): VerifyReport {
  const problems: string[] = [];
  const notes: string[] = [];
  const certificate = {
    certNo: cert.certNo,
    algorithm: cert.algorithm,
    notAfter: cert.notAfter.toISOString(),
  };
  let claim: Claim;
  try {
    claim = claimOf(input);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return { ok: false, certificate, signSource: '', problems: [e.message], notes };
  }

  if (claim.certNo !== undefined && !sameCertNo(claim.certNo, cert.certNo)) {
    const unpadded = (c: string) => c.toLowerCase().replace(/^0+/, '');
    problems.push(
      unpadded(claim.certNo) === unpadded(cert.certNo)
        ? `certNo ${claim.certNo} is the certificate's serial with other leading zeros: customs wants it as the card says it, ${cert.certNo}`
        : `certNo ${claim.certNo} is not this certificate's serial ${cert.certNo} (customs looks the certificate up by ebpCode and certNo)`,
    );
  } else if (claim.certNo !== undefined && claim.certNo !== cert.certNo) {
    notes.push(
      `certNo ${claim.certNo} differs from ${cert.certNo} in case only; cards report it in lower case`,
    );
  }
  if (opts.ebpCode && claim.ebpCode && opts.ebpCode !== claim.ebpCode) {
    notes.push(
      `the payment's ebpCode is ${claim.ebpCode}, the certificate is the one registered for ${opts.ebpCode}`,
    );
  }

  const sig = signatureForm(claim.signValue, cert);
  if (sig.problem) problems.push(sig.problem);
  if (sig.signValue !== undefined) {
    const verifies = (text: string) => verifiesOver(text, sig.signValue ?? '', cert);
    if (verifies(claim.signSource)) {
      if (sig.problem) notes.push('sent as raw r||s base64, the same signature would verify');
      if (claim.asGiven)
        notes.push(
          `the sign source given is not in customs' form (${claim.asGiven.problems.join('; ')}); the signature verifies over customs' form`,
        );
    } else {
      problems.push(diagnose(claim, sig.signValue, cert));
    }
  }

  const serviceTime = claim.parts ? Number(claim.parts.serviceTimeText) : undefined;
  if (serviceTime !== undefined && Number.isSafeInteger(serviceTime)) {
    if (serviceTime > cert.notAfter.getTime()) {
      problems.push(
        `the certificate had expired at serviceTime ${new Date(serviceTime).toISOString()} (notAfter ${certificate.notAfter})`,
      );
    } else if (serviceTime < cert.notBefore.getTime()) {
      notes.push(
        `serviceTime ${new Date(serviceTime).toISOString()} is before the certificate's notBefore ${cert.notBefore.toISOString()}`,
      );
    }
  }
  const daysLeft = Math.floor((cert.notAfter.getTime() - opts.now) / DAY_MS);
  if (daysLeft < 0)
    notes.push(`the certificate has expired (${certificate.notAfter}): it cannot sign new uploads`);
  else if (daysLeft < EXPIRY_WARNING_DAYS)
    notes.push(`the certificate expires in ${daysLeft} days (${certificate.notAfter})`);

  return {
    ok: problems.length === 0,
    certificate,
    signSource: claim.signSource,
    ...(claim.sessionID ? { sessionID: claim.sessionID } : {}),
    ...(serviceTime !== undefined && Number.isSafeInteger(serviceTime) ? { serviceTime } : {}),
    problems,
    notes,
  };
}

function claimOf(input: VerifyInput): Claim {
  if ('payExInfoStr' in input) {
    const p = parsePayExInfoStr(input.payExInfoStr);
    const head = p.head as { ebpCode?: unknown };
    return {
      signSource: p.signSource,
      parts: {
        sessionID: p.sessionID,
        headText: p.headText,
        listsText: p.listsText,
        serviceTimeText: p.serviceTimeText,
      },
      signValue: p.signValue,
      certNo: p.certNo,
      sessionID: p.sessionID,
      ...(typeof head.ebpCode === 'string' ? { ebpCode: head.ebpCode } : {}),
    };
  }
  const read = readSignSource(input.signSource);
  const base = {
    signValue: input.signValue,
    ...(input.certNo !== undefined ? { certNo: input.certNo } : {}),
  };
  if (!read) return { ...base, signSource: input.signSource };
  const signSource = buildSignSource(read.parts);
  return {
    ...base,
    signSource,
    parts: read.parts,
    sessionID: read.parts.sessionID,
    ...(read.shapeProblems.length > 0
      ? { asGiven: { text: input.signSource, problems: read.shapeProblems } }
      : {}),
  };
}

/** The signature as customs reads it, or why its form is wrong (and, if it can be read, the bytes). */
function signatureForm(signValue: string, cert: CertificateInfo): { problem?: string; signValue?: string } {
  if (signValue === '') return { problem: 'signValue is empty' };
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/.test(signValue) && signValue.length % 4 === 0;
  const asBase64 = base64 ? decoded(Buffer.from(signValue, 'base64'), cert) : undefined;
  if (asBase64 && !asBase64.problem) return asBase64;
  // Hex digits are base64 too: call it hex when only hex decoding gives a signature's size.
  if (/^[0-9a-fA-F]+$/.test(signValue) && signValue.length % 2 === 0) {
    const bytes = Buffer.from(signValue, 'hex');
    const asHex = decoded(bytes, cert);
    if (asHex.signValue !== undefined) {
      return {
        problem: `signValue is hex (${bytes.length} bytes); customs wants base64`,
        signValue: asHex.signValue,
      };
    }
  }
  return asBase64 ?? { problem: 'signValue is not base64' };
}

function decoded(bytes: Buffer, cert: CertificateInfo): { problem?: string; signValue?: string } {
  const n = bytes.length;
  if (cert.algorithm === 'SM3withSM2') {
    if (n === 64) return { signValue: bytes.toString('base64') };
    if (bytes[0] === 0x30 && n >= 8 && n <= 72) {
      try {
        const raw = derToRawSignature(bytes);
        return {
          problem: `wrong form: signValue is a DER-encoded SM2 signature (${n} bytes); customs wants the raw 64-byte r||s`,
          signValue: raw.toString('base64'),
        };
      } catch {
        // not DER after all: fall through to the length message
      }
    }
    const rsa = n === 128 || n === 256 ? `, the size of an RSA-${n * 8} signature` : '';
    return {
      problem: `wrong algorithm: the certificate is SM2, whose signValue is 64 bytes of r||s (88 base64 characters); this one is ${n} bytes${rsa}`,
    };
  }
  const size = ((cert.publicKey as KeyObject).asymmetricKeyDetails?.modulusLength ?? 1024) / 8;
  if (n === size) return { signValue: bytes.toString('base64') };
  const sm2 = n === 64 ? ' (64 bytes looks like an SM2 r||s signature)' : '';
  return {
    problem: `wrong algorithm: the certificate is RSA-${size * 8} (SHA1withRSA), whose signValue is ${size} bytes; this one is ${n} bytes${sm2}`,
  };
}

function verifiesOver(text: string, signValue: string, cert: CertificateInfo): boolean {
  return cert.algorithm === 'SM3withSM2'
    ? sm2Verify(text, signValue, cert.publicKey as string)
    : rsaSha1Verify(text, signValue, cert.publicKey as KeyObject);
}

/** The signature fails over the right bytes: find which bytes (or which user ID) it was made over. */
function diagnose(claim: Claim, signValue: string, cert: CertificateInfo): string {
  const tried = claim.parts ? wrongVariants(claim.parts) : [];
  if (claim.asGiven) {
    tried.unshift({
      explanation: `it verifies over the sign source as given, but customs rebuilds it differently: ${claim.asGiven.problems.join('; ')}`,
      text: claim.asGiven.text,
    });
  }
  for (const variant of tried) {
    if (verifiesOver(variant.text, signValue, cert)) return variant.explanation;
  }
  if (
    cert.algorithm === 'SM3withSM2' &&
    sm2VerifyDigest(
      sm2Digest(claim.signSource, cert.publicKey as string, ''),
      signValue,
      cert.publicKey as string,
    )
  ) {
    return 'it was signed with an empty SM2 user ID (the Node/OpenSSL default), not the default ID 1234567812345678 customs uses';
  }
  const what = claim.parts
    ? ', nor over the usual wrong variants (re-serialized JSON, payExchangeInfoList, unquoted serviceTime, escaped quotes' +
      `${cert.algorithm === 'SM3withSM2' ? ', empty user ID' : ''})`
    : ' (which is not of the form "sessionID":"..."||"payExchangeInfoHead":"..."||...)';
  return (
    `the signature does not verify over the sign source customs rebuilds${what}: ` +
    'the data changed after signing, or another key signed it'
  );
}

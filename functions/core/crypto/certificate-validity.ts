import { CertificateExpiredError } from '../errors.ts';
import type { CertificateInfo } from './certificate.ts';

/** A certificate this close to its end is reported (log and metric) on every signature. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export type Validity = { readonly expiresInDays: number; readonly expiringSoon: boolean };

/** Refuse to sign with an expired or not-yet-valid certificate; say how long it has left. */
export function checkValidity(cert: CertificateInfo, now: number): Validity {
  if (now > cert.notAfter.getTime()) {
    throw new CertificateExpiredError(
      `certificate ${cert.certNo} expired on ${cert.notAfter.toISOString()}: renew the E-Port certificate and register the new one`,
    );
  }
  if (now < cert.notBefore.getTime()) {
    throw new CertificateExpiredError(
      `certificate ${cert.certNo} is not valid before ${cert.notBefore.toISOString()}`,
    );
  }
  const expiresInDays = Math.floor((cert.notAfter.getTime() - now) / DAY_MS);
  return { expiresInDays, expiringSoon: expiresInDays < EXPIRY_WARNING_DAYS };
}

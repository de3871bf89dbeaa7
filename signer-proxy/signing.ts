import { performance } from 'node:perf_hooks';
import type { LimitFunction } from 'p-limit';
import type { CertificateInfo } from '#core/crypto/certificate.ts';
import { checkValidity } from '#core/crypto/certificate-validity.ts';
import { CertificateExpiredError } from '#core/errors.ts';
import { SignerProxyError, type SigningBackend } from './backend.ts';
import type { ProxyLog } from './log.ts';
import type { SignerStats } from './stats.ts';

/** What every route of the proxy shares. */
export interface ProxyContext {
  readonly backend: SigningBackend;
  readonly stats: SignerStats;
  /** one signature at a time per device: a card handles one request at a time */
  readonly queue: LimitFunction;
  readonly log: ProxyLog;
  readonly now: () => number;
}

export interface Signed {
  readonly signValue: string;
  readonly certNo: string;
  readonly certificate: CertificateInfo;
  /** waiting for the device, and inside it */
  readonly queueMs: number;
  readonly deviceMs: number;
}

/** The backend's certificate, refused when it is out of its validity (customs would refuse it too). */
export async function validCertificate(ctx: ProxyContext): Promise<CertificateInfo> {
  const cert = await ctx.backend.certificate();
  try {
    checkValidity(cert, ctx.now());
  } catch (e) {
    if (e instanceof CertificateExpiredError) throw new SignerProxyError('CERTIFICATE_EXPIRED', e.message);
    throw e;
  }
  return cert;
}

/** Sign in the device's queue, timing the wait and the device apart from the proxy's own work. */
export async function signQueued(ctx: ProxyContext, data: string): Promise<Signed> {
  const certificate = await validCertificate(ctx);
  const queuedAt = performance.now();
  let deviceMs = 0;
  const result = await ctx.queue(async () => {
    const started = performance.now();
    try {
      return await ctx.backend.sign(data);
    } finally {
      deviceMs = performance.now() - started;
    }
  });
  const queueMs = performance.now() - queuedAt - deviceMs;
  return { ...result, certificate, queueMs, deviceMs };
}

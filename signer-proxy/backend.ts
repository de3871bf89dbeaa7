import { PROXY_ERRORS, type ProxyErrorCode } from '#adapters/signers/hsm-proxy-protocol.ts';
import type { CertificateInfo } from '#core/crypto/certificate.ts';
import { CebGrabError } from '#core/errors.ts';

/** What holds the key behind `ceb-grab signer`: a software key, or the E-Port card's service. */
export interface SigningBackend {
  readonly kind: 'soft' | 'card';
  /** the name clients sign with (`keyId` of our protocol) */
  readonly keyId: string;
  /** the key's certificate; the card's is read from the card, so this may fail while it is away */
  certificate(): Promise<CertificateInfo>;
  /** sign the UTF-8 bytes of `data`; one call at a time (the server queues) */
  sign(data: string): Promise<{ signValue: string; certNo: string }>;
  /** reachable now? `problem` says why not, in words a person can act on */
  health(): Promise<{ readonly reachable: boolean; readonly problem?: string }>;
  close(): Promise<void>;
}

/** A refusal the proxy reports as `{error: {code, message, retryable}}`. */
export class SignerProxyError extends CebGrabError {
  readonly retryable: boolean;
  readonly status: number;
  constructor(
    readonly code: ProxyErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.retryable = PROXY_ERRORS[code].retryable;
    this.status = PROXY_ERRORS[code].status;
  }
}

/** Any error as a proxy error: unknown ones are INTERNAL (retryable: they are usually passing). */
export const asProxyError = (e: unknown): SignerProxyError =>
  e instanceof SignerProxyError
    ? e
    : new SignerProxyError('INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });

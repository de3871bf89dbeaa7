import pLimit, { type LimitFunction } from 'p-limit';
import pRetry from 'p-retry';
import { parseCertificate, sameCertNo } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import {
  ConfigError,
  SignerRejectedError,
  SignerSuspectPinError,
  SignerUnavailableError,
  ValidationError,
} from '#core/errors.ts';
import type { Signer, SigningKey, SignResult } from '#core/ports.ts';
import { HSM_PROXY_MAX_CONCURRENT, HSM_PROXY_TIMEOUT_MS } from '#core/settings.ts';
import { logger } from '../observability.ts';
import { describeWithCebGrab, type ProxyCall, signWithCebGrab } from './hsm-proxy-ceb-grab.ts';
import { chinaportQueue, signWithChinaport } from './hsm-proxy-chinaport.ts';
import { SignerTimeoutError } from './hsm-proxy-http.ts';
import { HSM_PROXY_PROTOCOLS, type HsmProxyProtocol, type KeyDescription } from './hsm-proxy-protocol.ts';
import { PinGuard } from './pin-guard.ts';

export interface HsmProxySignerOptions {
  /** the proxy's base URL, e.g. http://10.0.1.5:8400 */
  readonly url: string;
  readonly protocol: HsmProxyProtocol;
  /** the proxy's token, asked for on every attempt (the provider caches it) */
  readonly token: () => Promise<string>;
  /** per attempt; default HSM_PROXY_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /**
   * requests in flight at once; default 4 (a Ukey signs about 4 a second: wait here, not there).
   * chinaport-data-signature: 1, always (it crosses the results of overlapping requests).
   */
  readonly maxConcurrent?: number;
  /** attempts per signature on transport errors and 5xx; default 3 */
  readonly tries?: number;
  /** first pause between attempts, randomized (jitter) and doubled each time; default 200 */
  readonly retryMinMs?: number;
  /** where failed attempts are logged; the Powertools logger by default */
  readonly log?: SignerLog;
  /** keeps the card from being presented a wrong PIN again; one in this process by default */
  readonly pinGuard?: PinGuard;
}

export interface SignerLog {
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export const HSM_PROXY_DEFAULTS = {
  timeoutMs: HSM_PROXY_TIMEOUT_MS,
  maxConcurrent: HSM_PROXY_MAX_CONCURRENT,
  tries: 3,
  retryMinMs: 200,
} as const;

/** Requests in flight a protocol allows at most; undefined: no limit of its own. */
export const PROTOCOL_MAX_CONCURRENT: Partial<Record<HsmProxyProtocol, number>> = {
  'chinaport-data-signature': 1,
};

/**
 * Signs through a signing proxy in front of a Ukey, an IC card or a crypto device, over either
 * our protocol or chinaport-data-signature's. Every reply is checked against the registered
 * certificate: a proxy holding another card must not sign for this ebpCode.
 */
export class HsmProxySigner implements Signer {
  readonly url: string;
  readonly protocol: HsmProxyProtocol;
  private readonly options: Required<Omit<HsmProxySignerOptions, 'url' | 'protocol' | 'log' | 'pinGuard'>>;
  private readonly pinGuard: PinGuard;
  private readonly log: SignerLog;
  private readonly limit: LimitFunction;

  constructor(options: HsmProxySignerOptions) {
    this.url = baseUrl(options.url);
    if (!HSM_PROXY_PROTOCOLS.includes(options.protocol)) {
      throw new ConfigError(
        `HSM proxy protocol ${String(options.protocol)} is not one of ${HSM_PROXY_PROTOCOLS.join(', ')}`,
      );
    }
    this.protocol = options.protocol;
    const protocolMax = PROTOCOL_MAX_CONCURRENT[this.protocol];
    const maxConcurrent = atLeast(
      1,
      'maxConcurrent',
      options.maxConcurrent ?? protocolMax ?? HSM_PROXY_DEFAULTS.maxConcurrent,
    );
    if (protocolMax !== undefined && maxConcurrent > protocolMax) {
      throw new ConfigError(
        `HSM_PROXY_MAX_CONCURRENT=${maxConcurrent} is not possible with ${this.protocol}: that proxy crosses the ` +
          `signatures of overlapping requests, so at most ${protocolMax} may be in flight; leave it unset`,
      );
    }
    this.options = {
      token: options.token,
      timeoutMs: atLeast(1, 'timeoutMs', options.timeoutMs ?? HSM_PROXY_DEFAULTS.timeoutMs),
      maxConcurrent,
      tries: atLeast(1, 'tries', options.tries ?? HSM_PROXY_DEFAULTS.tries),
      retryMinMs: atLeast(0, 'retryMinMs', options.retryMinMs ?? HSM_PROXY_DEFAULTS.retryMinMs),
    };
    this.limit =
      this.protocol === 'chinaport-data-signature' ? chinaportQueue(this.url) : pLimit(maxConcurrent);
    this.log = options.log ?? logger;
    this.pinGuard = options.pinGuard ?? new PinGuard({ signerId: this.url });
  }

  async sign(data: string, key: SigningKey): Promise<SignResult> {
    const algorithm = key.certificate.algorithm;
    const result = await this.withRetries(
      `sign with key ${key.keyId}`,
      (call) =>
        this.protocol === 'ceb-grab'
          ? signWithCebGrab(call, data, { keyId: key.keyId, algorithm })
          : signWithChinaport(call, data).then((r) => this.notCrossed(r, data, key)),
      this.pinGuard,
    );
    // The card's certNo, compared as customs would (case only): 011f03d1 is not 00000000011f03d1.
    if (!sameCertNo(result.certNo, key.certificate.certNo)) {
      throw this.loud(
        `the signing proxy at ${this.url} signed with certificate ${result.certNo}, but ebpCode ${key.ebpCode} ` +
          `is registered with ${key.certificate.certNo}: the proxy holds another card or key (key id ${key.keyId})`,
      );
    }
    if (result.algorithm !== algorithm) {
      throw this.loud(
        `the signing proxy at ${this.url} signed with ${result.algorithm}, but certificate ${key.certificate.certNo} ` +
          `of ebpCode ${key.ebpCode} is ${algorithm}`,
      );
    }
    // What is sent is the registered certNo, the one customs knows.
    return { ...result, certNo: key.certificate.certNo };
  }

  /**
   * chinaport-data-signature may answer one request with the signature of another one in flight
   * at the same moment (another worker container's). Such a reply is not this request's: asking
   * again is right, and the use case's self-check never sees it.
   */
  private notCrossed(result: SignResult, data: string, key: SigningKey): SignResult {
    if (
      !sameCertNo(result.certNo, key.certificate.certNo) ||
      result.algorithm !== key.certificate.algorithm
    ) {
      return result; // sign() says what is wrong with it
    }
    const check = verifySignature(
      { signSource: data, ...result, certNo: key.certificate.certNo },
      key.certificate,
    );
    if (check.ok) return result;
    throw new SignerUnavailableError(
      `the signing proxy at ${this.url} answered with a signature over other data (${check.reason}): ` +
        'it crosses overlapping requests; another worker may be using it at the same time',
    );
  }

  /** The certificate the proxy holds for a key id, checked to be the certificate it claims. */
  async describeKey(keyId: string): Promise<KeyDescription> {
    if (this.protocol === 'chinaport-data-signature') {
      // Its download (/rpc/eport/cert/download) is the card's encryption certificate, not the signing one.
      throw new ConfigError(
        `chinaport-data-signature cannot tell its signing certificate: register it with \`ceb-grab certs add ` +
          '--signer hsm-proxy --key-id <any> --cert <file>` (locally: HSM_PROXY_CERT=<file>)',
      );
    }
    // A certificate that does not parse is the proxy's fault, and asking again will not fix it.
    const unreadable = (e: unknown): never => {
      if (!(e instanceof ValidationError)) throw e;
      throw new SignerRejectedError(
        `the signing proxy at ${this.url} sent a certificate for key ${keyId} that cannot be read: ${e.message}`,
        { cause: e },
      );
    };
    const description = await this.withRetries(`describe key ${keyId}`, (call) =>
      describeWithCebGrab(call, keyId),
    ).catch(unreadable);
    let cert: ReturnType<typeof parseCertificate>;
    try {
      cert = parseCertificate(description.certificate);
    } catch (e) {
      return unreadable(e);
    }
    if (!sameCertNo(cert.certNo, description.certNo) || cert.algorithm !== description.algorithm) {
      throw this.loud(
        `the signing proxy at ${this.url} describes key ${keyId} as ${description.certNo} (${description.algorithm}), ` +
          `but the certificate it sent is ${cert.certNo} (${cert.algorithm})`,
      );
    }
    return description;
  }

  private loud(message: string): SignerRejectedError {
    this.log.error('the signing proxy answered for another key', { reason: message });
    return new SignerRejectedError(message);
  }

  /**
   * Each attempt waits for a slot (so retries back off without holding one) and asks for the
   * token afresh. Only transport errors and 5xx / retryable refusals are tried again, with jitter.
   */
  private withRetries<T>(
    what: string,
    attempt: (call: ProxyCall) => Promise<T>,
    guard?: PinGuard,
  ): Promise<T> {
    const { timeoutMs, tries, retryMinMs } = this.options;
    const once = async () => attempt({ url: this.url, token: await this.options.token(), timeoutMs });
    return pRetry(
      // The PIN guard looks at the request when it is about to go, after the queue.
      () => this.limit(() => (guard ? guard.run(once) : once())),
      {
        retries: tries - 1,
        minTimeout: retryMinMs,
        maxTimeout: Math.max(retryMinMs, 2_000),
        randomize: true,
        // Not after a timeout (the device may still be at it) nor a suspect PIN (the card locks).
        shouldRetry: ({ error }) =>
          error instanceof SignerUnavailableError &&
          !(error instanceof SignerTimeoutError) &&
          !(error instanceof SignerSuspectPinError),
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (error instanceof SignerRejectedError) {
            this.log.error('the signing proxy refused for good', { what, reason: error.message });
          } else {
            this.log.warn('signing proxy attempt failed', {
              what,
              attempt: attemptNumber,
              retriesLeft,
              reason: error.message,
            });
          }
        },
      },
    );
  }
}

function baseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`HSM proxy URL ${url} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`HSM proxy URL ${url} must be http or https`);
  }
  return url.replace(/\/+$/, '');
}

function atLeast(min: number, name: string, value: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`HsmProxySigner ${name} must be a whole number >= ${min}, not ${value}`);
  }
  return value;
}

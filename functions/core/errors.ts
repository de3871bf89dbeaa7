/**
 * One error base for the whole product. Each subclass says whether trying again can help; the edge
 * (functions/edge/) maps each subclass to what its caller may be shown, by `instanceof`, never by text.
 */
export abstract class CebGrabError extends Error {
  /** Trying the same work again later may succeed (network, throttling, a device that was busy). */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A field rule of the protocol was broken; `issues` says which field of which order broke which rule. */
export class ValidationError extends CebGrabError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

export interface FieldIssue {
  /** Dotted path, e.g. `payExchangeInfoLists[1].goodsInfo[0].gname`. */
  readonly path: string;
  readonly rule: string;
}

/** The grab request customs sent could not be read (not JSON, no sessionID, ...). */
export class MalformedGrabError extends CebGrabError {
  readonly retryable = false;
  constructor(
    /** customs' 2000x code for this problem */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The signer could not sign now (device busy, unplugged, network); try later. */
export class SignerUnavailableError extends CebGrabError {
  readonly retryable = true;
}

/**
 * The signer failed the way a wrong PIN fails too (chinaport's "加签失败", a card error nobody can
 * classify). Retryable, but the key is not presented again until an operator clears it or a
 * cool-down ends (functions/adapters/signers/pin-guard.ts): cards lock after a few wrong PINs.
 * The message starts with the reason code, which is what `ceb-grab status` shows.
 */
export class SignerSuspectPinError extends SignerUnavailableError {
  static readonly reason = 'SIGNER_SUSPECT_PIN';
  constructor(message: string, options?: ErrorOptions) {
    super(`${SignerSuspectPinError.reason}: ${message}`, options);
  }
}

/** The signer refused for good (unknown key, wrong algorithm, bad token); a human must act. */
export class SignerRejectedError extends CebGrabError {
  readonly retryable = false;
}

/** Our own signature did not verify against the registered certificate: never send it. */
export class SelfCheckFailedError extends CebGrabError {
  readonly retryable = false;
}

/**
 * Customs could not be reached or answered 5xx / garbage; the upload may be tried again.
 * `mayHaveReachedCustoms` is false only when the request surely never got to customs whole (refused,
 * no address, no connection, cut before its body was written): a later 入库失败 then cannot be ours.
 */
export class CustomsUnavailableError extends CebGrabError {
  readonly retryable = true;
  readonly mayHaveReachedCustoms: boolean;
  constructor(message: string, options?: ErrorOptions & { mayHaveReachedCustoms?: boolean }) {
    super(message, options);
    this.mayHaveReachedCustoms = options?.mayHaveReachedCustoms ?? true;
  }
}

/** Configuration is missing or wrong: fail at cold start, loudly. */
export class ConfigError extends CebGrabError {
  readonly retryable = false;
}

/** Another worker holds the session's upload lease; the message must come back later. */
export class SessionBusyError extends CebGrabError {
  readonly retryable = true;
}

/** No certificate is registered for the ebpCode: a human must register one (`ceb-grab certs add`). */
export class CertificateNotRegisteredError extends CebGrabError {
  readonly retryable = false;
}

/** The registered certificate has expired (or is not yet valid): customs would refuse the signature. */
export class CertificateExpiredError extends CebGrabError {
  readonly retryable = false;
}

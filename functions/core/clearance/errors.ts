import { CebGrabError } from '../errors.ts';
import type { CallbackCode } from './reply.ts';

/** The callback's body could not be read as a notice or a receipt; the sender must fix it. */
export class CallbackRejectedError extends CebGrabError {
  readonly retryable = false;
  constructor(
    readonly code: Extract<CallbackCode, 'PARAM_NOT_NULL' | 'PARAM_INVALID' | 'BODY_TOO_LARGE'>,
    message: string,
  ) {
    super(message);
  }
}

/** Why a callback was not let in. The reason is logged; the caller only learns its code. */
export type RefusalReason =
  | 'no-signature'
  | 'malformed-headers'
  | 'unknown-partner'
  | 'wrong-scheme'
  | 'wrong-signature'
  | 'stale'
  | 'bad-timestamp'
  | 'replayed';

/** The callback's signature did not prove it came from a partner, just now, for the first time. */
export class CallbackUnauthorizedError extends CebGrabError {
  readonly retryable = false;
  constructor(
    readonly reason: RefusalReason,
    message: string,
    /** the partner the request named, if any (it is not proven) */
    readonly partner?: string,
  ) {
    super(message);
  }

  get code(): Extract<CallbackCode, 'SIGN_INVALID' | 'TIMESTAMP_EXPIRED' | 'REQUEST_REPLAYED'> {
    if (this.reason === 'stale' || this.reason === 'bad-timestamp') return 'TIMESTAMP_EXPIRED';
    if (this.reason === 'replayed') return 'REQUEST_REPLAYED';
    return 'SIGN_INVALID';
  }
}

/** A partner limited to some ebpCodes reported an event of another platform (or of none it named). */
export class CallbackForbiddenError extends CebGrabError {
  readonly retryable = false;
  readonly code = 'EBP_CODE_NOT_ALLOWED' satisfies CallbackCode;
  constructor(
    message: string,
    readonly partner: string,
  ) {
    super(message);
  }
}

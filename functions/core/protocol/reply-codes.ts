/**
 * Customs' reply codes (spec 1.6.4 and docs/protocol.md §1, §2). 10000 is success; 20000 failure;
 * 20001-21000 other errors. The grab codes below are ours to choose within 2000x: customs only
 * needs 10000 for a grab we took, and a readable 2000x for one we could not read.
 */
export const SUCCESS = '10000';
export const FAILURE = '20000';
export const CERT_NOT_REGISTERED = '20004';

/** Codes we answer a grab request (platDataOpen) with. */
export const GrabReplyCode = {
  ok: SUCCESS,
  /** We could not record or queue the grab right now; customs should send it again. */
  notAccepted: FAILURE,
  emptyBody: '20001',
  notJson: '20002',
  badSessionID: '20003',
  badOrderNo: '20005',
  badServiceTime: '20006',
} as const;

export interface CustomsReply {
  readonly code: string;
  readonly message: string;
  readonly serviceTime: number;
}

export const grabReply = (code: string, message: string, now: number): CustomsReply => ({
  code,
  message,
  serviceTime: now,
});

/** customs' text for a sessionID that was already uploaded (docs/protocol.md §1: "入库失败"). */
export const DUPLICATE_SESSION_MESSAGE = '入库失败';

export const isCustomsCode = (code: string): boolean => {
  const n = Number(code);
  return /^\d{5}$/.test(code) && (n === 10000 || (n >= 20000 && n <= 21000));
};

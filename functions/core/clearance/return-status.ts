/**
 * What customs' returnStatus (统一版 receipts CEB312/CEB622, docs/protocol.md §7) and the clearance party's
 * notices mean, each mapped to a coarse clearance state and a rank. The rank is the step of the
 * process the status stands for (customs' own codes already run in process order), which is what lets
 * the timeline refuse to go backwards: see derive-state.ts.
 */
export const CLEARANCE_STATES = [
  'declared',
  'error',
  'rejected',
  'accepted',
  'review',
  'concluded',
  'inspection',
  'held',
  'returned',
  'released',
  'closed',
  /** a code this table does not know: recorded and shown, but it never moves the state */
  'unknown',
] as const;
export type ClearanceState = (typeof CLEARANCE_STATES)[number];

export interface StatusMeaning {
  /** customs' returnStatus as text (`800`, `-301010`); a notice's status and result (`1`, `2/0000`) */
  readonly code: string;
  readonly state: ClearanceState;
  readonly meaning: string;
  readonly rank: number;
}

const RETURN_STATUS: Readonly<Record<number, { state: ClearanceState; meaning: string }>> = {
  1: { state: 'declared', meaning: '电子口岸已暂存 saved at the e-port' },
  2: { state: 'declared', meaning: '电子口岸申报中 declaring at the e-port' },
  3: { state: 'declared', meaning: '发送海关成功 sent to customs' },
  4: { state: 'error', meaning: '发送海关失败 sending to customs failed' },
  100: { state: 'rejected', meaning: '海关退单 rejected by customs' },
  120: { state: 'accepted', meaning: '海关入库 accepted into the customs database' },
  300: { state: 'review', meaning: '人工审核 under manual review' },
  399: { state: 'concluded', meaning: '海关审结 concluded by customs' },
  500: { state: 'inspection', meaning: '查验 held for inspection' },
  501: { state: 'held', meaning: '扣留移送通关 held, passed to clearance' },
  502: { state: 'held', meaning: '扣留移送缉私 held, passed to anti-smuggling' },
  503: { state: 'held', meaning: '扣留移送法规 held, passed to the legal department' },
  599: { state: 'held', meaning: '其它扣留 held, other reasons' },
  700: { state: 'returned', meaning: '退运 returned (shipped back)' },
  800: { state: 'released', meaning: '放行 released' },
  899: { state: 'closed', meaning: '结关 clearance closed' },
};

/** Processing errors (negative codes, 4) rank below every step, so they never undo a later one. */
const ERROR_RANK = 0;

export function describeReturnStatus(returnStatus: number): StatusMeaning {
  const code = String(returnStatus);
  if (returnStatus < 0) {
    return {
      code,
      state: 'error',
      meaning: '处理失败 processing error at the e-port or customs',
      rank: ERROR_RANK,
    };
  }
  const known = RETURN_STATUS[returnStatus];
  if (!known)
    return { code, state: 'unknown', meaning: 'a returnStatus this version does not know', rank: -1 };
  return { code, ...known, rank: known.state === 'error' ? ERROR_RANK : returnStatus };
}

/** The notice's clearance_result_code: `000...` released, `100...` failed. */
export const isReleaseCode = (resultCode: string): boolean => resultCode.startsWith('000');
export const isFailureCode = (resultCode: string): boolean => resultCode.startsWith('100');

/**
 * A clearance party's notice (Tmall Global style): status 1 says clearance started, status 2 carries
 * the result. Ranked like the customs steps they stand for (declaring 2, rejected 100, released 800).
 */
export function describeNotice(clearanceStatus: 1 | 2, resultCode: string | undefined): StatusMeaning {
  if (clearanceStatus === 1) {
    return { code: '1', state: 'declared', meaning: '清关发起 clearance started', rank: 2 };
  }
  const code = `2/${resultCode ?? ''}`;
  if (resultCode && isReleaseCode(resultCode)) {
    return { code, state: 'released', meaning: '清关放行 clearance result: released', rank: 800 };
  }
  if (resultCode && isFailureCode(resultCode)) {
    return { code, state: 'rejected', meaning: '清关失败 clearance result: failed', rank: 100 };
  }
  return { code, state: 'unknown', meaning: 'a clearance result code this version does not know', rank: -1 };
}

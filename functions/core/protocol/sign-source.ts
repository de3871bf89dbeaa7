/**
 * The sign source, byte for byte (docs/protocol.md §3):
 *   "sessionID":"<sid>"||"payExchangeInfoHead":"<head JSON>"||"payExchangeInfoLists":"<lists JSON>"||"serviceTime":"<ms>"
 * The JSON texts are pasted raw between the outer quotes (inner quotes not escaped), and
 * serviceTime is quoted even when it is a number in payExInfoStr. The spec's own sample
 * (`payExchangeInfoList`, unquoted `{data}`) is wrong and is not followed.
 */
export interface SignSourceParts {
  readonly sessionID: string;
  readonly headText: string;
  readonly listsText: string;
  readonly serviceTimeText: string;
}

export function buildSignSource(p: SignSourceParts): string {
  return (
    `"sessionID":"${p.sessionID}"` +
    `||"payExchangeInfoHead":"${p.headText}"` +
    `||"payExchangeInfoLists":"${p.listsText}"` +
    `||"serviceTime":"${p.serviceTimeText}"`
  );
}

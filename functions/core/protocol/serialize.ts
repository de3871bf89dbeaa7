import type { PayExchangeInfo } from './pay-exchange-info.ts';
import { buildSignSource } from './sign-source.ts';

/**
 * The one serializer. Head and lists are turned into text exactly once; that text goes both into
 * payExInfoStr and into the sign source, so the two can never differ by a byte (docs/protocol.md §3).
 * JSON.stringify is compact and leaves CJK and `/` unescaped, as customs expects.
 */
export interface SerializedPayExchangeInfo {
  readonly sessionID: string;
  readonly headText: string;
  readonly listsText: string;
  readonly serviceTime: number;
  /** The exact bytes to sign (as UTF-8). */
  readonly signSource: string;
}

export function serializePayExchangeInfo(
  sessionID: string,
  info: PayExchangeInfo,
  serviceTime: number,
): SerializedPayExchangeInfo {
  const headText = JSON.stringify(info.head);
  const listsText = JSON.stringify(info.lists);
  const serviceTimeText = String(serviceTime);
  return {
    sessionID,
    headText,
    listsText,
    serviceTime,
    signSource: buildSignSource({ sessionID, headText, listsText, serviceTimeText }),
  };
}

/** The form field value customs receives: head and lists pasted in as the very text that was signed. */
export function assemblePayExInfoStr(
  s: SerializedPayExchangeInfo,
  signature: { readonly certNo: string; readonly signValue: string },
): string {
  return (
    `{"sessionID":${JSON.stringify(s.sessionID)}` +
    `,"payExchangeInfoHead":${s.headText}` +
    `,"payExchangeInfoLists":${s.listsText}` +
    `,"serviceTime":${s.serviceTime}` +
    `,"certNo":${JSON.stringify(signature.certNo)}` +
    `,"signValue":${JSON.stringify(signature.signValue)}}`
  );
}

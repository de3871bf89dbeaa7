import { parsePayExInfoStr } from './protocol/pay-ex-info-str.ts';
import { buildPayExchangeInfo, validatePayExchangeInfo } from './protocol/pay-exchange-info.ts';
import type { Payment } from './protocol/payment.ts';
import type { Session } from './session.ts';

/** What `status` says of an upload whose payment has changed since customs received it. */
export const OUTDATED_UPLOAD_NOTE =
  'customs holds an older version of this payment: the payment changed after the upload; ' +
  'customs is not sent the new one on its own';

/**
 * Whether the upload kept on a session still says what the payment says now: head and lists rebuilt
 * from the payment with the upload's own guid, compared with the text customs received. Undefined when
 * the session keeps no upload to compare (not uploaded yet, or an upload we cannot read).
 */
export function isUploadOf(session: Pick<Session, 'payExInfoStr'>, payment: Payment): boolean | undefined {
  if (!session.payExInfoStr) return undefined;
  let sent: ReturnType<typeof parsePayExInfoStr>;
  try {
    sent = parsePayExInfoStr(session.payExInfoStr);
  } catch {
    return undefined;
  }
  const guid = (sent.head as { guid?: unknown } | null)?.guid;
  if (typeof guid !== 'string') return undefined;
  let now: ReturnType<typeof validatePayExchangeInfo>;
  try {
    // As the worker builds it (upload-session.ts), so equal data gives equal text.
    now = validatePayExchangeInfo(buildPayExchangeInfo(payment, guid));
  } catch {
    return false;
  }
  return JSON.stringify(now.head) === sent.headText && JSON.stringify(now.lists) === sent.listsText;
}

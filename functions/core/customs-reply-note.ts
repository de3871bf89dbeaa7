import type { Session } from './session.ts';

/**
 * What customs' refusal of an upload means, where its own words do not say what to do. The
 * sessionID is customs' own: customs refuses an upload for one it never issued (a grab sent by hand,
 * with a made-up sessionID, is answered 10000 by us but its upload is then refused).
 */
const UNISSUED_SESSION = /会话不存在/;

export function customsReplyNote(session: Pick<Session, 'state' | 'customsMessage'>): string | undefined {
  if (session.state === 'rejected' && UNISSUED_SESSION.test(session.customsMessage ?? '')) {
    return 'customs did not issue this sessionID: a grab sent by hand carries one customs never issued; use `ceb-grab grab <orderNo>` to have the (simulated) customs send it';
  }
  return undefined;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BodyTooLargeError, readBody, sendJson } from '#signer-proxy/http-io.ts';
import { decideUploadRequest } from './check-upload.ts';
import type { CustomsState } from './customs-state.ts';
import { type FaultLog, type Faults, HANG_MS, planFault } from './faults.ts';
import { UploadMessage, UploadReplyCode } from './reply-codes.ts';

export const UPLOAD_PATH = '/ceb2grab/grab/realTimeDataUpload';

/** customs' realTimeDataUpload: read the form, consult the fault plan, check, record, answer. */
export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  deps: {
    readonly state: CustomsState;
    readonly faults: () => Faults;
    readonly faultLog: FaultLog;
    readonly now: () => number;
  },
): Promise<void> {
  let body: string;
  try {
    body = await readBody(req);
  } catch (e) {
    if (e instanceof BodyTooLargeError) return sendJson(res, 413, { error: e.message });
    throw e;
  }
  const sessionID = sessionIdOf(body);
  const plan = planFault(deps.faults(), Math.random, { firstOfSession: deps.faultLog.arrived(sessionID) });
  deps.faultLog.record(sessionID, plan.action);
  if (plan.delayMs > 0) await sleep(plan.delayMs);
  switch (plan.action) {
    case '5xx':
      return sendJson(res, 503, { error: 'Service Unavailable (injected fault)' });
    case 'reset':
      return void req.socket.destroy();
    case 'timeout':
      // Hold the connection without answering; the client's timeout fires first.
      await sleep(HANG_MS, undefined, { ref: false });
      return void req.socket.destroy();
    case 'busy-20000':
      return sendJson(res, 200, {
        code: '20000',
        message: '系统繁忙 (injected fault)',
        total: 0,
        serviceTime: deps.now(),
      });
    case 'storage-failure':
      // Exactly what customs says when it holds the session already: only the sender can tell them apart.
      return sendJson(res, 200, {
        code: UploadReplyCode.failed,
        message: UploadMessage.storageFailed,
        total: 0,
        serviceTime: deps.now(),
      });
    default:
      break;
  }

  // Decide and record in one synchronous step: two uploads of one session cannot both be accepted.
  const { payExInfoStr, decision } = decideUploadRequest(
    { contentType: req.headers['content-type'], body },
    deps.state.knowledge,
  );
  deps.state.recordUpload(payExInfoStr, decision);
  // Customs stored the upload, but its answer never reaches the platform.
  if (plan.action === 'lost-reply') return void req.socket.destroy();
  sendJson(res, 200, { code: decision.code, message: decision.message, total: 0, serviceTime: deps.now() });
}

/** The sessionID an upload names, when it can be read without checking it (faults strike before the check). */
function sessionIdOf(body: string): string | undefined {
  try {
    const doc = JSON.parse(new URLSearchParams(body).get('payExInfoStr') ?? '') as { sessionID?: unknown };
    return typeof doc.sessionID === 'string' ? doc.sessionID : undefined;
  } catch {
    return undefined;
  }
}

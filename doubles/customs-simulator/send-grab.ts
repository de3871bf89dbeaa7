/** How customs' client introduces itself (docs/protocol.md §1); a platform's WAF must let it through. */
export const CUSTOMS_USER_AGENT = 'Apache-HttpClient/4.5.13 (Java/1.8.0_202)';

export interface GrabOptions {
  /** Send the JSON with its quotes HTML-escaped (`&quot;`), as some senders do. */
  readonly escapeQuotes?: boolean | undefined;
  /** Send serviceTime as a numeric string instead of a number. */
  readonly serviceTimeAsString?: boolean | undefined;
  /** Re-send an already issued session (customs retries a grab with the same sessionID). */
  readonly sessionID?: string | undefined;
  /** Give up on the platform's reply after this long; default 10 s. */
  readonly timeoutMs?: number | undefined;
}

export interface GrabResult {
  readonly sessionID: string;
  readonly httpStatus: number;
  /** the platform's reply: parsed JSON, or the raw text when it is not JSON */
  readonly reply: unknown;
  readonly sentAt: number;
}

/** The openReq form field's value: `{orderNo, sessionID, serviceTime}` in the spec's key order. */
export function buildOpenReq(
  grab: { readonly orderNo: string; readonly sessionID: string; readonly serviceTime: number },
  opts: Pick<GrabOptions, 'escapeQuotes' | 'serviceTimeAsString'> = {},
): string {
  const json = JSON.stringify({
    orderNo: grab.orderNo,
    sessionID: grab.sessionID,
    serviceTime: opts.serviceTimeAsString ? String(grab.serviceTime) : grab.serviceTime,
  });
  return opts.escapeQuotes ? json.replaceAll('"', '&quot;') : json;
}

/** POST one grab to a platform's platDataOpen URL, form-encoded, the way customs' Java client does. */
export async function postGrab(
  platDataOpenUrl: string,
  openReq: string,
  timeoutMs: number | undefined = 10_000,
): Promise<{ httpStatus: number; reply: unknown }> {
  const res = await fetch(platDataOpenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      'user-agent': CUSTOMS_USER_AGENT,
    },
    body: new URLSearchParams({ openReq }).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let reply: unknown = text;
  try {
    reply = JSON.parse(text);
  } catch {
    /* not JSON: keep the text so the caller sees what came back */
  }
  return { httpStatus: res.status, reply };
}

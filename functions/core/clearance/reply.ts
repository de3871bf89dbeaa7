import { escapeUTF8 } from 'entities/escape';

/**
 * What the callback answers, in the clearance party's style (tmall.hk.clearance.info.send):
 * `{msg_success, msg_code, msg_info, msg_obj}`, as JSON, or as XML to a caller that sent XML.
 */
export const CALLBACK_CODES = {
  SUCCESS: 200,
  PARAM_NOT_NULL: 400,
  PARAM_INVALID: 400,
  SIGN_INVALID: 401,
  TIMESTAMP_EXPIRED: 401,
  REQUEST_REPLAYED: 401,
  /** the partner may not report events of this ebpCode */
  EBP_CODE_NOT_ALLOWED: 403,
  BODY_TOO_LARGE: 413,
  /** our side failed: the sender should try again (signed anew) */
  SYSTEM_ERROR: 500,
} as const;
export type CallbackCode = keyof typeof CALLBACK_CODES;

export interface CallbackReply {
  readonly msg_success: boolean;
  readonly msg_code: CallbackCode;
  readonly msg_info: string;
  readonly msg_obj: boolean;
}

export const callbackReply = (code: CallbackCode, info: string): CallbackReply => ({
  msg_success: code === 'SUCCESS',
  msg_code: code,
  msg_info: info,
  msg_obj: code === 'SUCCESS',
});

export const httpStatusOf = (code: CallbackCode): number => CALLBACK_CODES[code];

export type ReplyFormat = 'json' | 'xml';

/** Answer in the caller's format: XML to whoever sent XML, JSON to the rest (JSON and forms). */
export function replyFormatOf(contentType: string | undefined, body: string): ReplyFormat {
  if (/\bxml\b/i.test(contentType ?? '')) return 'xml';
  if (/json|form-urlencoded/i.test(contentType ?? '')) return 'json';
  return body.trimStart().startsWith('<') ? 'xml' : 'json';
}

export function renderReply(
  reply: CallbackReply,
  format: ReplyFormat,
): { contentType: string; body: string } {
  if (format === 'json') {
    return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(reply) };
  }
  // One fixed element per field: only msg_info is free text, escaped (& < > " ') as an XML builder would.
  const fields = Object.entries(reply)
    .map(([name, value]) => `<${name}>${escapeUTF8(String(value))}</${name}>`)
    .join('');
  return {
    contentType: 'application/xml; charset=utf-8',
    body: `<?xml version="1.0" encoding="UTF-8"?><clearance_callback_response>${fields}</clearance_callback_response>`,
  };
}

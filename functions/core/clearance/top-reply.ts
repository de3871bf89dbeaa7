import { escapeUTF8 } from 'entities/escape';
import type { CallbackCode, ReplyFormat } from './reply.ts';

/**
 * What a TOP-style caller reads (docs/protocol.md §7): always HTTP 200, either
 *   {"tmall_hk_clearance_info_send_response": {msg_success, msg_code, msg_info, msg_obj, request_id}}
 * or {"error_response": {code, msg, sub_code, sub_msg, request_id}}, which TOP SDKs treat as a failure;
 * as JSON, or as XML under root elements of those names when `format=xml`.
 */
export const TOP_METHOD = 'tmall.hk.clearance.info.send';
export const TOP_RESPONSE_NAME = `${TOP_METHOD.replaceAll('.', '_')}_response`;

/** TOP's common error codes (docs/protocol.md §7), with our precise reason in sub_code and sub_msg. */
export const TOP_ERRORS: Readonly<
  Record<Exclude<CallbackCode, 'SUCCESS'>, { code: number; msg: string; subCode: string }>
> = {
  SIGN_INVALID: { code: 25, msg: 'Invalid signature', subCode: 'isv.invalid-signature' },
  REQUEST_REPLAYED: { code: 25, msg: 'Invalid signature', subCode: 'isv.request-replayed' },
  TIMESTAMP_EXPIRED: { code: 31, msg: 'Invalid timestamp', subCode: 'isv.invalid-timestamp' },
  PARAM_NOT_NULL: { code: 40, msg: 'Missing required arguments', subCode: 'isv.missing-parameter' },
  PARAM_INVALID: { code: 41, msg: 'Invalid arguments', subCode: 'isv.invalid-parameter' },
  BODY_TOO_LARGE: { code: 41, msg: 'Invalid arguments', subCode: 'isv.body-too-large' },
  EBP_CODE_NOT_ALLOWED: {
    code: 11,
    msg: 'Insufficient isv permissions',
    subCode: 'isv.ebp-code-not-allowed',
  },
  SYSTEM_ERROR: { code: 15, msg: 'Remote service error', subCode: 'isp.service-unavailable' },
};

/** `format=xml` asks for XML; anything else (json is TOP's default) gets JSON. */
export const topFormatOf = (format: string | undefined): ReplyFormat =>
  format?.trim().toLowerCase() === 'xml' ? 'xml' : 'json';

export function renderTopReply(
  code: CallbackCode,
  info: string,
  requestId: string,
  format: ReplyFormat,
): { contentType: string; body: string } {
  const [root, fields]: [string, Record<string, string | number | boolean>] =
    code === 'SUCCESS'
      ? [
          TOP_RESPONSE_NAME,
          { msg_success: true, msg_code: code, msg_info: info, msg_obj: true, request_id: requestId },
        ]
      : [
          'error_response',
          {
            code: TOP_ERRORS[code].code,
            msg: TOP_ERRORS[code].msg,
            sub_code: TOP_ERRORS[code].subCode,
            sub_msg: info,
            request_id: requestId,
          },
        ];
  if (format === 'json') {
    return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ [root]: fields }) };
  }
  const xml = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeUTF8(String(value))}</${name}>`)
    .join('');
  return {
    contentType: 'application/xml; charset=utf-8',
    body: `<?xml version="1.0" encoding="utf-8"?><${root}>${xml}</${root}>`,
  };
}

import * as v from 'valibot';
import { CUSTOMS_MESSAGE_MAX_BYTES } from '../settings.ts';
import { boundedText } from './bounded-text.ts';
import { isCustomsCode, SUCCESS } from './reply-codes.ts';

/** What an upload attempt came to, from customs' HTTP reply. */
export type UploadVerdict =
  | { readonly kind: 'accepted'; readonly code: string; readonly message: string }
  /** A 2000x: customs read our upload and refused it. Not retryable unless a human fixes data or registration. */
  | { readonly kind: 'rejected'; readonly code: string; readonly message: string }
  /** 5xx, a non-customs reply, or garbage: the upload may go again. */
  | { readonly kind: 'retry'; readonly reason: string };

const ReplySchema = v.looseObject({
  code: v.union([v.string(), v.pipe(v.number(), v.transform(String))]),
  message: v.optional(v.nullable(v.string()), ''),
});

export function classifyUploadReply(httpStatus: number, body: string): UploadVerdict {
  if (httpStatus >= 500 || httpStatus === 429 || httpStatus === 408) {
    return { kind: 'retry', reason: `customs answered HTTP ${httpStatus}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {
      kind: 'retry',
      reason: `customs answered HTTP ${httpStatus} with a body that is not JSON: ${body.slice(0, 200)}`,
    };
  }
  const reply = v.safeParse(ReplySchema, json);
  if (!reply.success || !isCustomsCode(reply.output.code)) {
    return {
      kind: 'retry',
      reason: `customs answered HTTP ${httpStatus} without a customs code: ${body.slice(0, 200)}`,
    };
  }
  const { code } = reply.output;
  // Kept on the session and in logs: at most 2 KB of it, marked when cut.
  const message = boundedText(reply.output.message ?? '', CUSTOMS_MESSAGE_MAX_BYTES);
  return code === SUCCESS ? { kind: 'accepted', code, message } : { kind: 'rejected', code, message };
}

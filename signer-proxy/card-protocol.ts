import * as v from 'valibot';

/**
 * The E-Port card's local websocket service ("电子口岸控件", ws://127.0.0.1:61232), as real clients
 * (chinaport-data-signature among them) use it: JSON requests `{_method, _id, args}`, replies
 * `{_id, _method, _status, _args: {Result, Data, Error}}` matched by `_id`. Shared by the card
 * backend and its test double.
 */
export const CARD_METHODS = {
  /** args {inData, passwd}; Data = [signValue, certNo] */
  sign: 'cus-sec_SpcSignDataAsPEM',
  /** args {}; Data[0] = the signing certificate, base64 DER (real cards send it without PEM lines) */
  certificate: 'cus-sec_SpcGetSignCertAsPEM',
  /** args {}; Data[0] = certNo */
  certNo: 'cus-sec_SpcGetCertNo',
} as const;

/** `_status` of a reply the service handled; what other values mean is not documented. */
export const CARD_STATUS_OK = '00';

export const CardRequestSchema = v.object({
  _method: v.string(),
  _id: v.pipe(v.number(), v.integer()),
  args: v.optional(v.record(v.string(), v.unknown()), {}),
});
export type CardRequest = v.InferOutput<typeof CardRequestSchema>;

export const CardReplySchema = v.object({
  // Some builds are said to echo `_id` as a string: accept both.
  _id: v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))]),
  _method: v.optional(v.string()),
  _status: v.optional(v.string()),
  _args: v.optional(
    v.object({
      Result: v.optional(v.boolean()),
      Data: v.optional(v.nullable(v.array(v.string()))),
      Error: v.optional(v.nullable(v.array(v.string()))),
    }),
  ),
});
export type CardReply = v.InferOutput<typeof CardReplySchema>;
export type CardReplyArgs = NonNullable<CardReply['_args']>;

/** The greeting the service sends on every new connection (`_id` 0); it answers no request. */
export const CARD_GREETING_METHOD = 'open';

/**
 * Reader errors integrators report (docs/protocol.md §6): 50070 "复位读卡器失败" (reset failed) and
 * 50200 "打开读卡器失败" (could not open): no card or no reader, no PIN involved.
 */
const READER_UNAVAILABLE = /\b50070\b|\b50200\b|Custom50070|Custom50200/;

/**
 * Why the card did not do what was asked, from its free-text Error list. Only the reader errors
 * are known; nobody has published the wrong-PIN text, and 密码 also means "cryptography"
 * (密码设备), so any other failure may be a wrong PIN: the card locks after a few of those.
 */
export function classifyCardFailure(errors: readonly string[]): 'CARD_UNAVAILABLE' | 'UNCLASSIFIED' {
  return errors.some((e) => READER_UNAVAILABLE.test(e)) ? 'CARD_UNAVAILABLE' : 'UNCLASSIFIED';
}

/** A reply the card means as success: `_status` "00" is no such thing (failures carry it too). */
export const cardSucceeded = (reply: CardReply): boolean =>
  reply._args?.Result === true && (reply._args.Data ?? []).some((d) => d.trim() !== '');

/** Real cards send the certificate as bare base64; wrap it as a PEM when it is. */
export function certificateAsPem(text: string): string {
  if (text.includes('BEGIN CERTIFICATE')) return text;
  const body = text.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

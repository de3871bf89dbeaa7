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

/**
 * Why the card did not sign, from its free-text Error list. Documented by integrators: a missing or
 * failing reader says "[读卡器底层库]复位读卡器失败:错误码=50070". The wording of a wrong PIN is a
 * guess (口令/密码, "password", "PIN"): better to stop at a possible PIN error than to lock the card.
 */
export function classifyCardFailure(errors: readonly string[]): 'BAD_PIN' | 'DEVICE_UNAVAILABLE' {
  return errors.some((e) => /口令|密码|\bPIN\b|passw/i.test(e)) ? 'BAD_PIN' : 'DEVICE_UNAVAILABLE';
}

/** Real cards send the certificate as bare base64; wrap it as a PEM when it is. */
export function certificateAsPem(text: string): string {
  if (text.includes('BEGIN CERTIFICATE')) return text;
  const body = text.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
}

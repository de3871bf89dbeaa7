import { decodeXML } from 'entities';
import * as v from 'valibot';
import { MalformedGrabError } from '../errors.ts';
import { sessionID, trimmedOrderNo } from './field-rules.ts';
import { GrabReplyCode } from './reply-codes.ts';

/**
 * The grab customs sends to platDataOpen (docs/protocol.md §1). In practice a form body with one field
 * `openReq` holding JSON, sometimes with the quotes HTML-escaped; a raw JSON body is accepted too.
 */
export interface GrabRequest {
  readonly orderNo: string;
  readonly sessionID: string;
  /** customs' clock when it called, if it said; a number or a numeric string on the wire */
  readonly serviceTime?: number;
}

export interface HttpBody {
  readonly contentType?: string | undefined;
  readonly body: string | null | undefined;
  readonly isBase64Encoded?: boolean | undefined;
}

const GrabSchema = v.object({
  sessionID,
  orderNo: trimmedOrderNo(),
  serviceTime: v.optional(
    v.union(
      [
        // Past 2^53 a number is no exact millisecond, and DynamoDB's SDK refuses to store it.
        v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
        v.pipe(v.string(), v.regex(/^\d{1,16}$/), v.transform(Number), v.safeInteger()),
      ],
      'serviceTime must be milliseconds since 1970, as a number or a numeric string',
    ),
  ),
});

/** Refuses bytes that are not UTF-8 rather than replacing them with U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function parseGrabRequest(http: HttpBody): GrabRequest {
  const text = bodyText(http).trim();
  if (text === '')
    throw new MalformedGrabError(GrabReplyCode.emptyBody, 'empty request: expected form field openReq');

  const openReq = extractOpenReq(text, http.contentType);
  const json = parseJsonLeniently(openReq);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MalformedGrabError(GrabReplyCode.notJson, 'openReq must be a JSON object');
  }
  const result = v.safeParse(GrabSchema, json);
  if (!result.success) {
    const first = result.issues[0];
    const field = first?.path?.[0]?.key;
    const code =
      field === 'orderNo'
        ? GrabReplyCode.badOrderNo
        : field === 'serviceTime'
          ? GrabReplyCode.badServiceTime
          : GrabReplyCode.badSessionID;
    // A missing key is reported by the object schema in its own words; say it plainly.
    const message =
      first?.input === undefined && typeof field === 'string' ? `${field} is missing` : first?.message;
    throw new MalformedGrabError(code, message ?? 'invalid grab request');
  }
  const { sessionID, orderNo, serviceTime } = result.output;
  return serviceTime === undefined ? { sessionID, orderNo } : { sessionID, orderNo, serviceTime };
}

function bodyText(http: HttpBody): string {
  if (!http.isBase64Encoded) return http.body ?? '';
  try {
    return strictUtf8.decode(Buffer.from(http.body ?? '', 'base64'));
  } catch {
    throw notUtf8();
  }
}

const notUtf8 = () => new MalformedGrabError(GrabReplyCode.notJson, 'openReq holds bytes that are not UTF-8');

/** The JSON text of the request: the openReq form field, or the body itself when it is JSON. */
function extractOpenReq(text: string, contentType: string | undefined): string {
  const isForm = /application\/x-www-form-urlencoded/i.test(contentType ?? '');
  if (!isForm && text.startsWith('{')) {
    // A raw JSON body, or a JSON body wrapping the openReq string.
    try {
      const obj = JSON.parse(text) as Record<string, unknown>;
      if (typeof obj.openReq === 'string') return obj.openReq;
    } catch {
      /* not JSON: parsed (and reported) by the caller */
    }
    return text;
  }
  const form = new URLSearchParams(text);
  const field = form.get('openReq');
  if (field !== null) {
    // URLSearchParams turns %-escapes that are not UTF-8 into U+FFFD: what customs meant would be lost.
    for (const run of text.match(/(?:%[0-9A-Fa-f]{2})+/g) ?? []) {
      try {
        strictUtf8.decode(Buffer.from(run.replaceAll('%', ''), 'hex'));
      } catch {
        throw notUtf8();
      }
    }
    return field;
  }
  // Not a form after all: a JSON body sent with a form content type.
  if (text.startsWith('{')) return text;
  throw new MalformedGrabError(GrabReplyCode.emptyBody, 'form field openReq is missing');
}

/**
 * JSON as sent; failing that, JSON whose quotes a sender escaped (`&quot;`): the five XML entities and
 * character references are decoded (entities' decodeXML, a fraction of the size of its HTML tables).
 */
function parseJsonLeniently(text: string): unknown {
  for (const candidate of [text, decodeXML(text)]) {
    try {
      return JSON.parse(candidate.trim());
    } catch {
      /* try the next reading */
    }
  }
  throw new MalformedGrabError(GrabReplyCode.notJson, 'openReq is not valid JSON');
}

import { type CertificateInfo, sameCertNo } from '#core/crypto/certificate.ts';
import { verifySignature } from '#core/crypto/verify-signature.ts';
import { ValidationError } from '#core/errors.ts';
import { type ParsedPayExInfoStr, parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import { validatePayExchangeInfo } from '#core/protocol/pay-exchange-info.ts';
import { UploadMessage, UploadReplyCode } from './reply-codes.ts';

/** What customs knows when an upload arrives. Plain data: checking an upload does no I/O. */
export interface CustomsKnowledge {
  /** Sessions customs issued, by sessionID. */
  readonly sessions: ReadonlyMap<
    string,
    { readonly orderNo: string; readonly acceptedAt?: number | undefined }
  >;
  /** Registered certificates, by ebpCode (several per ebpCode allowed). */
  readonly certificates: ReadonlyMap<string, readonly CertificateInfo[]>;
  /** Declared payments: payTransactionId -> every orderNo it paid. */
  readonly payments: ReadonlyMap<string, readonly string[]>;
  /** orderNo -> the payTransactionId that paid it. */
  readonly paymentOfOrder: ReadonlyMap<string, string>;
  /** guids of accepted uploads. */
  readonly acceptedGuids: ReadonlySet<string>;
}

export type UploadDecision =
  | {
      readonly accepted: true;
      readonly code: UploadReplyCode;
      readonly message: string;
      readonly sessionID: string;
      readonly guid: string;
    }
  | {
      readonly accepted: false;
      readonly code: UploadReplyCode;
      readonly message: string;
      /** set once the document was read far enough to name it */
      readonly sessionID?: string;
    };

type Refusal = Extract<UploadDecision, { accepted: false }>;

const refuse = (code: UploadReplyCode, message: string, sessionID?: string): Refusal =>
  sessionID === undefined
    ? { accepted: false, code, message }
    : { accepted: false, code, message, sessionID };

/**
 * Customs' verdict on one HTTP request to realTimeDataUpload. Only a form body carries the field:
 * the product must send `application/x-www-form-urlencoded` (docs/protocol.md §2), so JSON, or the field
 * in the query string, counts as no payExInfoStr at all.
 */
export function decideUploadRequest(
  request: { readonly contentType: string | undefined; readonly body: string },
  known: CustomsKnowledge,
): { readonly payExInfoStr: string | undefined; readonly decision: UploadDecision } {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.contentType ?? '')) {
    const got = request.contentType ?? 'no content type';
    const why = `expected an application/x-www-form-urlencoded body, got ${got}`;
    return { payExInfoStr: undefined, decision: refuse(UploadReplyCode.noForm, UploadMessage.noForm(why)) };
  }
  const payExInfoStr = new URLSearchParams(request.body).get('payExInfoStr') ?? undefined;
  return { payExInfoStr, decision: checkUpload(payExInfoStr, known) };
}

/**
 * Customs' verdict on one payExInfoStr (the form field's value; undefined when absent). Checks run
 * cheapest and most basic first, so the message names the first thing a sender must fix.
 */
export function checkUpload(payExInfoStr: string | undefined, known: CustomsKnowledge): UploadDecision {
  if (payExInfoStr === undefined || payExInfoStr.trim() === '') {
    return refuse(
      UploadReplyCode.noForm,
      UploadMessage.noForm('form field payExInfoStr is missing or empty'),
    );
  }
  const unreadable = checkDocument(payExInfoStr);
  if (unreadable) return unreadable;

  let parsed: ParsedPayExInfoStr;
  try {
    parsed = parsePayExInfoStr(payExInfoStr);
  } catch (e) {
    // checkDocument already caught what parsePayExInfoStr refuses; kept so a stricter core stays a 20000.
    if (e instanceof ValidationError) {
      return refuse(UploadReplyCode.failed, UploadMessage.fieldRules(e.issues));
    }
    throw e;
  }
  const { sessionID } = parsed;

  let head: { guid: string; ebpCode: string; payTransactionId: string };
  let listed: string[];
  try {
    const info = validatePayExchangeInfo({ head: parsed.head, lists: parsed.lists });
    head = info.head;
    listed = info.lists.map((o) => o.orderNo);
  } catch (e) {
    if (e instanceof ValidationError) {
      return refuse(UploadReplyCode.failed, UploadMessage.fieldRules(e.issues), sessionID);
    }
    throw e;
  }

  const session = known.sessions.get(sessionID);
  if (!session) {
    return refuse(UploadReplyCode.unknownSession, UploadMessage.unknownSession(sessionID), sessionID);
  }
  // Once accepted, nothing else about a re-upload matters: it can never be stored twice.
  if (session.acceptedAt !== undefined) {
    return refuse(UploadReplyCode.failed, UploadMessage.duplicateSession(sessionID), sessionID);
  }

  // Registered as the card says it; compared in either case, never with its leading zeros changed.
  const cert = known.certificates.get(head.ebpCode)?.find((c) => sameCertNo(c.certNo, parsed.certNo));
  if (!cert) {
    return refuse(
      UploadReplyCode.certNotRegistered,
      UploadMessage.certNotRegistered(head.ebpCode, parsed.certNo),
      sessionID,
    );
  }
  const signature = verifySignature(parsed, cert);
  if (!signature.ok) {
    return refuse(UploadReplyCode.badSignature, UploadMessage.badSignature(signature.reason), sessionID);
  }

  const declaredPayment = known.paymentOfOrder.get(session.orderNo);
  if (declaredPayment !== undefined && declaredPayment !== head.payTransactionId) {
    return refuse(
      UploadReplyCode.paymentMismatch,
      UploadMessage.paymentMismatch(session.orderNo, declaredPayment, head.payTransactionId),
      sessionID,
    );
  }
  // Customs can only insist on the orders it knows: the requested one and those declared for the payment.
  const required = [session.orderNo, ...(known.payments.get(head.payTransactionId) ?? [])];
  const present = new Set(listed);
  const missing = [...new Set(required)].filter((o) => !present.has(o));
  if (missing.length > 0) {
    return refuse(UploadReplyCode.ordersMissing, UploadMessage.ordersMissing(missing), sessionID);
  }

  if (known.acceptedGuids.has(head.guid)) {
    return refuse(UploadReplyCode.guidReused, UploadMessage.guidReused(head.guid), sessionID);
  }
  return {
    accepted: true,
    code: UploadReplyCode.accepted,
    message: UploadMessage.accepted,
    sessionID,
    guid: head.guid,
  };
}

const TOP_LEVEL: readonly { key: string; expected: string; ok: (v: unknown) => boolean }[] = [
  { key: 'sessionID', expected: 'a non-empty string', ok: (v) => typeof v === 'string' && v !== '' },
  { key: 'payExchangeInfoHead', expected: 'a JSON object', ok: (v) => isObject(v) },
  { key: 'payExchangeInfoLists', expected: 'a JSON array', ok: (v) => Array.isArray(v) },
  {
    key: 'serviceTime',
    expected: 'milliseconds as a number or a numeric string',
    ok: (v) =>
      (typeof v === 'number' && Number.isInteger(v) && v >= 0) || (typeof v === 'string' && /^\d+$/.test(v)),
  },
  { key: 'certNo', expected: 'a non-empty string', ok: (v) => typeof v === 'string' && v !== '' },
  { key: 'signValue', expected: 'a non-empty string', ok: (v) => typeof v === 'string' && v !== '' },
];

/** A JSON object with every required top-level field (undefined), or the refusal naming what is wrong. */
function checkDocument(text: string): Refusal | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return refuse(UploadReplyCode.notJson, UploadMessage.notJson((e as Error).message));
  }
  if (!isObject(doc)) return refuse(UploadReplyCode.notJson, UploadMessage.notJson('not an object'));
  const sessionID = typeof doc.sessionID === 'string' && doc.sessionID !== '' ? doc.sessionID : undefined;
  const wrong = TOP_LEVEL.filter((f) => !f.ok(doc[f.key]));
  if (wrong.length > 0) {
    const message = wrong.map((f) => UploadMessage.missingField(f.key, f.expected)).join('; ');
    return refuse(UploadReplyCode.failed, message, sessionID);
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

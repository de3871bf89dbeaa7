import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { formatClearanceTime } from '#core/clearance/china-time.ts';
import type { RecordedEvent } from '#core/clearance/event.ts';
import type { CallbackPartner, ClearanceStore, PartnerSecrets } from '#core/clearance/ports.ts';
import {
  PARTNER_HEADER,
  SIGNATURE_HEADER,
  signedHeaders,
  TIMESTAMP_HEADER,
} from '#core/clearance/signature.ts';
import { TOP_METHOD } from '#core/clearance/top-reply.ts';
import { signTop, type TopSignMethod } from '#core/clearance/top-signature.ts';

/** The partner and secret the fixtures in events/clearance-callback/ are signed with, at FIXTURE_TIME. */
export const FIXTURE_PARTNER = 'fixture-broker';
export const FIXTURE_SECRET = 'fixture-secret-not-for-real-use-0123456789';
export const FIXTURE_TIME = 1795300000000;
export const FIXTURE_ORDER = 'SO202611220001';

export const CALLBACK_FIXTURES = [
  'tmall-notice-json',
  'tmall-notice-form',
  'ceb312-xml',
  'ceb622-xml',
  'receipt-json',
] as const;

export function callbackFixture(
  name: (typeof CALLBACK_FIXTURES)[number] | 'bad-signature',
): APIGatewayProxyEvent {
  const url = new URL(`../../events/clearance-callback/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as APIGatewayProxyEvent;
}

/** The fixture signed again by `partner` at `timestamp` (the fixtures' own timestamps are long stale). */
export function resigned(
  event: APIGatewayProxyEvent,
  timestamp = Date.now(),
  partner = FIXTURE_PARTNER,
  secret = FIXTURE_SECRET,
): APIGatewayProxyEvent {
  const headers = Object.fromEntries(
    Object.entries(event.headers).filter(
      ([k]) => ![PARTNER_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER].includes(k.toLowerCase()),
    ),
  );
  return {
    ...event,
    headers: { ...headers, ...signedHeaders(partner, secret, event.body ?? '', timestamp) },
    multiValueHeaders: {},
  };
}

/** The clearance store in memory, for unit tests of the use cases (links as the DynamoDB store keeps them). */
export class MemoryClearanceStore implements ClearanceStore {
  readonly events = new Map<string, RecordedEvent>();
  readonly signatures = new Map<string, number>();
  readonly links = new Map<string, string>();
  /** when each event (by dedupeKey) and link (by `LINK#copNo`) was asked to expire, epoch seconds */
  readonly expiries = new Map<string, number | undefined>();
  failAppends = false;

  async append(e: RecordedEvent, expiresAt?: number) {
    if (this.failAppends) throw new Error('storage unavailable');
    const file =
      e.source === 'CEB622' && e.refs.copNo !== undefined ? `COP#${e.refs.copNo}` : `ORDER#${e.orderNo}`;
    const key = `${file}|${e.partner}|${e.dedupeKey}`;
    if (this.events.has(key)) return 'duplicate' as const;
    this.events.set(key, e);
    this.expiries.set(e.dedupeKey, expiresAt);
    return 'appended' as const;
  }
  async timeline(orderNo: string) {
    const copNos = new Set([...this.links].filter(([, o]) => o === orderNo).map(([c]) => c));
    return [...this.events.values()].filter((e) =>
      e.source === 'CEB622' && e.refs.copNo !== undefined ? copNos.has(e.refs.copNo) : e.orderNo === orderNo,
    );
  }
  async link(link: { copNo: string; orderNo: string }, expiresAt?: number) {
    const existing = this.links.get(link.copNo);
    if (existing !== undefined) return { outcome: 'already' as const, orderNo: existing };
    this.links.set(link.copNo, link.orderNo);
    this.expiries.set(`LINK#${link.copNo}`, expiresAt);
    return { outcome: 'linked' as const, orderNo: link.orderNo };
  }
  async orderOf(copNo: string) {
    return this.links.get(copNo);
  }
  async claimSignature(partner: string, signature: string, expiresAt: number) {
    const key = `${partner}|${signature}`;
    if (this.signatures.has(key)) return false;
    this.signatures.set(key, expiresAt);
    return true;
  }
  async releaseSignature(partner: string, signature: string) {
    this.signatures.delete(`${partner}|${signature}`);
  }
}

/** Partners by id: a bare secret is an HMAC-header partner, as in the partner-secrets JSON. */
export const partnerSecretsOf = (partners: Record<string, string | CallbackPartner>): PartnerSecrets => ({
  partnerFor: async (id) => {
    const p = partners[id];
    return typeof p === 'string' ? { secret: p, scheme: 'hmac' } : p;
  },
});

/** A TOP-style notice's parameters, signed by our own TOP signing code (the SDK test peer signs md5 only). */
export function topParams(opts: {
  appKey: string;
  secret: string;
  notice: Record<string, unknown>;
  at: number;
  signMethod?: TopSignMethod;
  format?: 'json' | 'xml';
}): Record<string, string> {
  const params: Record<string, string> = {
    method: TOP_METHOD,
    app_key: opts.appKey,
    timestamp: formatClearanceTime(opts.at),
    v: '2.0',
    sign_method: opts.signMethod ?? 'md5',
    format: opts.format ?? 'json',
    order_clearance_info_request: JSON.stringify(opts.notice),
  };
  return { ...params, sign: signTop(params, opts.secret, opts.signMethod ?? 'md5') };
}

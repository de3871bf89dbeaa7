import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  PARTNER_HEADER,
  SIGNATURE_HEADER,
  signedHeaders,
  TIMESTAMP_HEADER,
} from '#core/clearance/signature.ts';

/**
 * A clearance-callback fixture signed now, for the running local stack: its partner (or, when the
 * stack knows no such partner, the stack's first one) with that partner's local secret, the
 * timestamp of this call. Fixtures are signed at a fixed time, so sent as they are they would be
 * refused as stale (the window is minutes).
 */
export function resignCallbackEvent(
  event: APIGatewayProxyEvent,
  partnerSecretsJson: string,
  now = Date.now(),
): APIGatewayProxyEvent {
  const secrets = JSON.parse(partnerSecretsJson) as Record<string, string>;
  const named = headerValue(event, PARTNER_HEADER);
  const partner = named && secrets[named] ? named : Object.keys(secrets)[0];
  const secret = partner ? secrets[partner] : undefined;
  if (!partner || !secret) throw new Error('the local stack has no clearance partner secret to sign with');
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const fresh = signedHeaders(partner, secret, body, now);
  const ours = new Set([PARTNER_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER]);
  const keep = <T>(h: Record<string, T> | null | undefined) =>
    Object.fromEntries(Object.entries(h ?? {}).filter(([k]) => !ours.has(k.toLowerCase())));
  return {
    ...event,
    headers: { ...keep(event.headers), ...fresh },
    multiValueHeaders: {
      ...keep(event.multiValueHeaders),
      ...Object.fromEntries(Object.entries(fresh).map(([k, v]) => [k, [v]])),
    },
  };
}

function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  return Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];
}

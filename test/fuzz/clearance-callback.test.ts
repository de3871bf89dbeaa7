import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { CALLBACK_CODES, type CallbackCode } from '#core/clearance/reply.ts';
import {
  PARTNER_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_WINDOW_MS,
  signCallback,
  signedHeaders,
  TIMESTAMP_HEADER,
} from '#core/clearance/signature.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import {
  anyCallbackBody,
  badCallback,
  noticeBody,
  oversizedCallback,
  validNotice,
} from '#test/helpers/fuzz-callbacks.ts';
import { itemCount, post } from '#test/helpers/fuzz-local.ts';
import { fuzz } from '#test/helpers/fuzz-text.ts';
import { iamFetch } from '#test/helpers/sigv4.ts';

/**
 * POST /clearance/callback on the local stack, fed what partners get wrong. With a good signature a
 * bad body gets its PARAM_* code in the caller's format and adds nothing to any order's timeline;
 * without one nothing at all is stored. Never a 5xx for the caller's mistake; the route keeps serving.
 * (Refusing bad, stale and replayed signatures of good bodies: test/integration/clearance-callback.test.ts.)
 */
const PARTNER = 'fuzz-broker';
const SECRET = 'fuzz-broker-secret-0123456789abcdef';

let stack: LocalStack;
let ddb: DynamoDBClient;
let url: string;

before(async () => {
  process.env.CALLBACK_PARTNER_SECRETS = JSON.stringify({ [PARTNER]: SECRET });
  stack = await startLocalStack({ port: 0, logLevel: 'SILENT' });
  await stack.poller.stop();
  ddb = new DynamoDBClient({});
  url = `${stack.apiUrl}/clearance/callback`;
});
after(async () => {
  ddb?.destroy();
  await stack?.stop();
});

const events = () => itemCount(ddb, stack.resources.clearanceTable, 'ORDER#');
const everything = () => itemCount(ddb, stack.resources.clearanceTable);

// Each request signed at its own millisecond, so two equal bodies are never a replay of each other.
let lastTimestamp = 0;
const freshTimestamp = () => {
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
  return lastTimestamp;
};

interface Reply {
  readonly status: number;
  readonly format: 'json' | 'xml';
  readonly code: string | undefined;
}

async function send(
  body: string | Buffer,
  contentType: string | undefined,
  headers: Record<string, string>,
): Promise<Reply> {
  const res = await post(url, body, contentType, headers);
  const format = res.contentType === 'application/xml; charset=utf-8' ? 'xml' : 'json';
  if (format === 'json') assert.equal(res.contentType, 'application/json; charset=utf-8', res.text);
  const code =
    format === 'json'
      ? (res.json as { msg_code?: string } | undefined)?.msg_code
      : /^<\?xml[^>]*\?><clearance_callback_response>.*<msg_code>([A-Z_]+)<\/msg_code>/.exec(res.text)?.[1];
  assert.ok(code, `an answer without msg_code: ${res.text.slice(0, 200)}`);
  assert.equal(res.status, CALLBACK_CODES[code as CallbackCode], `HTTP status for ${code}`);
  return { status: res.status, format, code };
}

const signed = (body: string | Buffer) =>
  signedHeaders(PARTNER, SECRET, typeof body === 'string' ? Buffer.from(body) : body, freshTimestamp());

describe('POST /clearance/callback with bad input (local stack)', () => {
  it('answers every bad body under a good signature with its code, in the caller’s format, storing no event', async () => {
    const before = await events();
    await fc.assert(
      fc.asyncProperty(badCallback, async ({ kind, body, contentType, code }) => {
        const reply = await send(body, contentType, signed(body));
        assert.ok(reply.status < 500, `${kind}: HTTP ${reply.status}`);
        const allowed = typeof code === 'string' ? [code] : code;
        assert.ok(
          allowed.includes(reply.code as CallbackCode),
          `${kind}: ${reply.code}, expected ${allowed.join(' or ')}`,
        );
        if (/xml/i.test(contentType ?? '')) assert.equal(reply.format, 'xml', kind);
        else if (/json|form-urlencoded/i.test(contentType ?? '')) assert.equal(reply.format, 'json', kind);
      }),
      fuzz(200),
    );
    assert.equal(await events(), before, 'a refused body left an event on some order');
  });

  it('refuses an oversized body before reading it, signed or not', async () => {
    const before = await everything();
    await fc.assert(
      fc.asyncProperty(oversizedCallback, fc.boolean(), async ({ body, contentType }, sign) => {
        const reply = await send(body, contentType, sign ? signed(body) : {});
        assert.equal(reply.code, 'BODY_TOO_LARGE');
      }),
      fuzz(10),
    );
    assert.equal(await everything(), before);
  });

  it('refuses anything without a good signature, storing nothing at all', async () => {
    const before = await everything();
    const wrongHeaders = fc.oneof(
      fc
        .constantFrom<'partner' | 'timestamp' | 'signature'>('partner', 'timestamp', 'signature')
        .map((omit) => (body: Buffer) => {
          const h = signedHeaders(PARTNER, SECRET, body, freshTimestamp());
          const header = {
            partner: PARTNER_HEADER,
            timestamp: TIMESTAMP_HEADER,
            signature: SIGNATURE_HEADER,
          }[omit];
          const { [header]: _gone, ...rest } = h;
          return { headers: rest, code: 'SIGN_INVALID' };
        }),
      fc.constant((body: Buffer) => ({
        headers: signedHeaders(PARTNER, 'not-the-secret', body, freshTimestamp()),
        code: 'SIGN_INVALID',
      })),
      fc.constant((body: Buffer) => ({
        headers: signedHeaders('stranger', SECRET, body, freshTimestamp()),
        code: 'SIGN_INVALID',
      })),
      fc.constant((body: Buffer) => ({
        headers: signedHeaders(PARTNER, SECRET, Buffer.concat([body, Buffer.from(' ')]), freshTimestamp()),
        code: 'SIGN_INVALID',
      })),
      fc
        .tuple(
          fc.constantFrom(PARTNER_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER),
          fc.string({
            unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
            maxLength: 80,
          }),
        )
        .map(([header, value]) => (body: Buffer) => {
          const h = signedHeaders(PARTNER, SECRET, body, freshTimestamp());
          // a value that happens to be the right one is no attack
          return {
            headers: { ...h, [header]: value.trim() === h[header] ? `${value}0` : value },
            code: 'SIGN_INVALID',
          };
        }),
      fc.integer({ min: SIGNATURE_WINDOW_MS + 1_000, max: 10 * 365 * 86_400_000 }).chain((skew) =>
        fc.constantFrom(-1, 1).map((sign) => (body: Buffer) => {
          const timestamp = freshTimestamp() + sign * skew;
          return {
            headers: {
              [PARTNER_HEADER]: PARTNER,
              [TIMESTAMP_HEADER]: String(timestamp),
              [SIGNATURE_HEADER]: signCallback(SECRET, timestamp, body),
            },
            code: 'TIMESTAMP_EXPIRED',
          };
        }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(anyCallbackBody, wrongHeaders, async ({ body, contentType }, wrong) => {
        const bytes = typeof body === 'string' ? Buffer.from(body) : body;
        const { headers, code } = wrong(bytes);
        const reply = await send(body, contentType, headers);
        assert.equal(reply.status, 401);
        assert.equal(reply.code, code);
      }),
      fuzz(150),
    );
    assert.equal(await everything(), before, 'a refused request stored a signature or an event');
  });

  it('still records a good notice afterwards, and odd text in it arrives intact', async () => {
    await fc.assert(
      fc.asyncProperty(
        validNotice,
        fc.constantFrom('plain', 'wrapped', 'wrapped-string', 'form') as fc.Arbitrary<'plain'>,
        async (notice, shape) => {
          const orderNo = `${[...notice.order_id.trim()].slice(0, 20).join('')}-${freshTimestamp()}`;
          const before = await events();
          const { body, contentType } = noticeBody({ ...notice, order_id: orderNo }, shape);
          const reply = await send(body, contentType, signed(body));
          assert.equal(reply.code, 'SUCCESS');
          assert.equal(await events(), before + 1);
          const status = await iamFetch(`${stack.apiUrl}/orders/${encodeURIComponent(orderNo)}/status`);
          const json = (await status.json()) as {
            orderNo: string;
            clearance: { timeline: { info?: string; refs: { idempotent?: string } }[] };
          };
          assert.equal(json.orderNo, orderNo);
          assert.equal(json.clearance.timeline.length, 1);
          const [event] = json.clearance.timeline;
          assert.equal(event?.refs.idempotent, notice.idempotent.trim());
          assert.equal(event?.info, notice.customs_return_receipt?.trim());
        },
      ),
      fuzz(15),
    );
  });
});

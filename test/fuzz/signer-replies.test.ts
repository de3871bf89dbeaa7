import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { HsmProxyProtocol } from '#adapters/signers/hsm-proxy-protocol.ts';
import { HsmProxySigner, type SignerLog } from '#adapters/signers/hsm-proxy-signer.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { SignerRejectedError, SignerUnavailableError } from '#core/errors.ts';
import type { SigningKey } from '#core/ports.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { anyText, fuzz, hugeText, injection } from '#test/helpers/fuzz-text.ts';

/**
 * HsmProxySigner against a proxy that answers anything: every status, every body, broken
 * connections, silence. The worker must always get a SignerUnavailableError (try later) or a
 * SignerRejectedError (a human must act), a result only for a reply that is genuinely right, and
 * never the token back in an error message.
 */
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;
const material = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
const otherCard = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
const key: SigningKey = {
  ebpCode: '46016602EV',
  signer: 'hsm-proxy',
  keyId: 'ukey-1',
  certificate: parseCertificate(material.certificatePem),
};
const quiet: SignerLog = { warn() {}, error() {} };
const SIGN_SOURCE =
  '"sessionID":"S1"||"payExchangeInfoHead":"{"guid":"G"}"||"payExchangeInfoLists":"[]"||"serviceTime":"1"';

/** What the proxy does with the next request. `body` may echo the request (its requestId, its token). */
interface Reply {
  readonly mode: 'answer' | 'reset' | 'cut-short' | 'silence';
  readonly status: number;
  readonly contentType: string;
  readonly body: (request: { json: unknown; token: string }) => string;
}

let reply: Reply;
const sent: string[] = [];
let url = '';
const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const token =
    /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1] ??
    String(req.headers['x-auth-token-eport-sign'] ?? '');
  if (reply.mode === 'reset') return void req.socket.destroy();
  if (reply.mode === 'silence') return; // the signer's timeout must end it
  const body = reply.body({ json, token });
  sent.push(body);
  res.writeHead(reply.status, { 'content-type': reply.contentType });
  if (reply.mode === 'cut-short') {
    res.write(body.slice(0, Math.floor(body.length / 2)));
    return void res.socket?.destroy();
  }
  res.end(body);
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A short wait only where the proxy is meant to stay silent: a loaded machine answers slowly. */
const signerFor = (protocol: HsmProxyProtocol, r: Reply) =>
  new HsmProxySigner({
    url,
    protocol,
    token: async () => TOKEN,
    tries: 2,
    retryMinMs: 1,
    timeoutMs: r.mode === 'silence' ? 200 : 10_000,
    log: quiet,
  });

// --- replies ---

const status = fc.oneof(
  fc.constantFrom(200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504),
  fc.integer({ min: 200, max: 599 }),
);
const b64 = (n: number) => randomBytes(n).toString('base64');
/** a field: the right value, a wrong one, another type, or absent (undefined) */
const field = (right: fc.Arbitrary<unknown>, wrong: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 3, arbitrary: right },
    { weight: 1, arbitrary: wrong },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, true, [], {}) },
  );
const text = fc.oneof(anyText, injection, fc.constant(''));

const cebGrabBody = fc.oneof(
  // a sign reply, right or wrong in any field
  fc
    .record({
      echo: fc.boolean(),
      requestId: field(fc.constant('(echo)'), text),
      signValue: field(fc.constantFrom(b64(64), b64(128)), fc.oneof(text, fc.constant('not base64!'))),
      certNo: field(
        fc.constant(material.certNo),
        fc.constantFrom(otherCard.certNo, material.certNo.toUpperCase(), ''),
      ),
      algorithm: field(fc.constant('SM3withSM2'), fc.constantFrom('SHA1withRSA', 'SM2', 'sm3withsm2')),
    })
    .map(
      (r) =>
        ({ json }: { json: unknown }) =>
          JSON.stringify({
            ...r,
            requestId:
              r.requestId === '(echo)'
                ? (json as { requestId?: unknown } | undefined)?.requestId
                : r.requestId,
          }),
    ),
  // an error reply
  fc
    .record({
      code: field(fc.constantFrom('BAD_PIN', 'DEVICE_UNAVAILABLE', 'UNKNOWN_KEY', 'TIMEOUT'), text),
      message: field(text, fc.integer()),
      retryable: field(fc.boolean(), text),
    })
    .map((error) => () => JSON.stringify({ error })),
);
const chinaportBody = fc
  .record({
    code: fc.option(fc.oneof(fc.constantFrom(200, 401, 403, 500), fc.integer(), fc.constant('200')), {
      nil: undefined,
    }),
    success: field(fc.boolean(), text),
    message: field(
      fc.oneof(text, fc.constantFrom('加签失败', '口令错误', 'Unauthorized', 'PIN locked')),
      fc.integer(),
    ),
    data: fc.option(
      fc.record({
        success: field(fc.constant(true), fc.boolean()),
        certNo: field(fc.constant(material.certNo), fc.constantFrom(otherCard.certNo, '')),
        signatureValue: field(fc.constantFrom(b64(64), b64(128)), fc.oneof(text, fc.constant('%%%'))),
      }),
      { nil: null },
    ),
  })
  .map((r) => () => JSON.stringify(r));
const anyBody = fc.oneof(
  fc.jsonValue().map((j) => () => JSON.stringify(j)),
  text.map((t) => () => t),
  fc.constantFrom('<html><body>502 Bad Gateway</body></html>', '', '{', 'null', '[]').map((t) => () => t),
  // a proxy that repeats the credentials it was sent
  fc.constant(({ token }: { token: string }) =>
    JSON.stringify({ error: { code: 'UNAUTHORIZED', message: `bad token ${token}`, retryable: false } }),
  ),
  fc.constant(({ token }: { token: string }) => `<html>token ${token} refused</html>`),
);

const replyFor = (protocolBody: fc.Arbitrary<Reply['body']>) =>
  fc.record({
    mode: fc.oneof(
      { weight: 20, arbitrary: fc.constant('answer' as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('reset', 'cut-short', 'silence') as fc.Arbitrary<Reply['mode']>,
      },
    ),
    status,
    contentType: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/html',
      'text/plain',
    ),
    body: fc.oneof(
      { weight: 3, arbitrary: protocolBody },
      { weight: 2, arbitrary: anyBody },
      { weight: 1, arbitrary: hugeText.map((t) => () => t) },
    ),
  });

/** An error the worker can act on, that does not carry the token. */
function assertClassified(error: unknown): void {
  assert.ok(
    error instanceof SignerUnavailableError || error instanceof SignerRejectedError,
    `an unclassified error: ${String(error)} (${(error as Error)?.constructor?.name})`,
  );
  assert.ok(!error.message.includes(TOKEN), `the token is in the error: ${error.message.slice(0, 300)}`);
}

describe('HsmProxySigner against arbitrary proxy replies', () => {
  for (const protocol of ['ceb-grab', 'chinaport-data-signature'] as const) {
    it(`${protocol}: sign ends in a right result, or a SignerUnavailableError / SignerRejectedError`, async () => {
      await fc.assert(
        fc.asyncProperty(replyFor(protocol === 'ceb-grab' ? cebGrabBody : chinaportBody), async (r) => {
          reply = r;
          sent.length = 0;
          let result: Awaited<ReturnType<HsmProxySigner['sign']>> | undefined;
          try {
            result = await signerFor(protocol, r).sign(SIGN_SOURCE, key);
          } catch (e) {
            assertClassified(e);
            if (r.mode === 'answer' && (r.status === 401 || r.status === 403)) {
              assert.ok(
                e instanceof SignerRejectedError,
                `a refused token is for a human to fix: ${String(e)}`,
              );
            }
            // A broken connection is worth another try (a 204 or 304 has no body to cut short; a
            // redirect is refused as soon as its status arrives, never followed).
            if (
              r.mode !== 'answer' &&
              ![204, 304].includes(r.status) &&
              !(r.mode === 'cut-short' && r.status >= 300 && r.status < 400)
            ) {
              assert.ok(e instanceof SignerUnavailableError, `${r.mode}: ${String(e)}`);
            }
            return;
          }
          // Taken only when the proxy genuinely signed with the registered card.
          assert.equal(r.mode, 'answer');
          assert.equal(r.status, 200);
          const body = JSON.parse(sent.at(-1) ?? '') as Record<string, unknown>;
          if (protocol === 'ceb-grab') {
            assert.deepEqual(result, {
              signValue: body.signValue,
              certNo: material.certNo,
              algorithm: 'SM3withSM2',
            });
          } else {
            const data = body.data as Record<string, unknown>;
            assert.equal(body.success, true);
            assert.ok(body.code === undefined || body.code === 200);
            assert.equal(data.success, true);
            assert.deepEqual(result, {
              signValue: data.signatureValue,
              certNo: material.certNo,
              algorithm: 'SM3withSM2',
            });
          }
          // Whether the bytes are a signature over the sign source is the self-check's to say
          // (upload-session verifies every signature against the certificate before sending).
          assert.ok(result.signValue.length > 0);
        }),
        fuzz(150),
      );
    });
  }

  it('describeKey: chinaport-data-signature is never asked (its download is the encryption certificate)', async () => {
    sent.length = 0;
    await assert.rejects(
      signerFor('chinaport-data-signature', fc.sample(replyFor(chinaportBody), 1)[0] as Reply).describeKey(
        'k',
      ),
      /register it with `ceb-grab certs add/,
    );
    assert.equal(sent.length, 0);
  });

  it('describeKey: takes only a certificate that is the one the proxy claims, else a signer error', async () => {
    const pem = material.certificatePem;
    const description = fc
      .record({
        certNo: field(fc.constant(material.certNo), fc.constant(otherCard.certNo)),
        algorithm: field(fc.constant('SM3withSM2'), fc.constant('SHA1withRSA')),
        certificate: field(
          fc.constant(pem),
          fc.constantFrom(
            otherCard.certificatePem,
            '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n',
            `${pem.slice(0, 120)}\n-----END CERTIFICATE-----\n`,
            'BEGIN CERTIFICATE',
          ),
        ),
        notAfter: field(fc.constant('2030-01-01T00:00:00.000Z'), text),
      })
      .map((d) => () => JSON.stringify(d));
    await fc.assert(
      fc.asyncProperty(
        fc.constant('ceb-grab') as fc.Arbitrary<HsmProxyProtocol>,
        fc.nat(),
        async (protocol, n) => {
          const [r] = fc.sample(replyFor(description), {
            numRuns: 1,
            seed: n,
          });
          assert.ok(r, 'a sampled reply');
          reply = r;
          sent.length = 0;
          try {
            const described = await signerFor(protocol, r).describeKey('ukey-1');
            assert.equal(r.status, 200);
            assert.equal(parseCertificate(described.certificate).certNo, described.certNo);
          } catch (e) {
            assertClassified(e);
          }
        },
      ),
      fuzz(120),
    );
  });
});

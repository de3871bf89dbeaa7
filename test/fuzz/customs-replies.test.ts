import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { boundedText, utf8Bytes } from '#core/protocol/bounded-text.ts';
import { parsePayExInfoStr } from '#core/protocol/pay-ex-info-str.ts';
import { classifyUploadReply } from '#core/protocol/upload-reply.ts';
import { CUSTOMS_MESSAGE_MAX_BYTES } from '#core/settings.ts';
import { checkUpload } from '#doubles/customs-simulator/check-upload.ts';
import { CustomsState } from '#doubles/customs-simulator/customs-state.ts';
import { UploadReplyCode } from '#doubles/customs-simulator/reply-codes.ts';
import { makeSignedUpload } from '#doubles/customs-simulator/signed-upload.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { validPayment } from '#test/helpers/fuzz-payments.ts';
import { anyText, fuzz, hugeText, injection } from '#test/helpers/fuzz-text.ts';
import { makePayment } from '#test/helpers/payments.ts';

/**
 * What customs answers, read by the worker (classifyUploadReply), and what customs makes of what we
 * send (the simulator's checkUpload): neither may throw on anything. Only 10000 is an acceptance;
 * a 2000x is customs' refusal with its message; 5xx and garbage are tried again.
 */
const REJECT_CODES = ['20000', '20001', '20004', '20005', '20006', '20010', '20999', '21000'];

const message = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.oneof(
      anyText,
      fc.constantFrom('上传成功', '入库失败', '企业实时数据获取验签证书未在服务系统注册'),
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, true, [], {}) },
);
const code = fc.oneof(
  fc.constantFrom('10000', 10000, ...REJECT_CODES, 20004),
  fc.constantFrom(
    '1000',
    '100000',
    '19999',
    '21001',
    '30000',
    ' 10000',
    '10000 ',
    '1e4',
    'OK',
    '',
    null,
    true,
    [],
    {},
  ),
  fc.integer({ min: 0, max: 99_999 }).map(String),
  anyText,
);
const customsJson = fc
  .record(
    {
      code,
      message,
      total: fc.constantFrom(0, 1, '1', null),
      serviceTime: fc.oneof(fc.nat(), anyText),
    },
    { requiredKeys: [] },
  )
  .map((r) => JSON.stringify(r));
const body = fc.oneof(
  { weight: 4, arbitrary: customsJson },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: injection },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '<html><head><title>502 Bad Gateway</title></head></html>',
      '{"code":"10000"',
      'null',
      '[{"code":"10000"}]',
      '"10000"',
      '{"code":"10000","code":"20000"}',
      '\uFEFF{"code":"10000","message":""}',
    ),
  },
  { weight: 1, arbitrary: fc.constant(JSON.stringify({ code: '20000', message: '错'.repeat(400_000) })) },
);
const httpStatus = fc.oneof(
  fc.constantFrom(200, 200, 200, 201, 204, 301, 302, 400, 403, 404, 408, 429, 500, 502, 503, 504),
  fc.integer({ min: 0, max: 999 }),
);

/** The reply as customs meant it: an object with a code, read the way the spec writes them. */
function meant(text: string): { code: string; message: unknown } | undefined {
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
    const c = (json as { code?: unknown }).code;
    if (typeof c === 'string' || typeof c === 'number')
      return { code: String(c), message: (json as { message?: unknown }).message };
    return undefined;
  } catch {
    return undefined;
  }
}

describe('customs replies, fuzzed', () => {
  it('classifyUploadReply: never throws; only 10000 accepts; 2000x rejects with customs’ message; the rest is retried', () => {
    fc.assert(
      fc.property(httpStatus, body, (status, text) => {
        const verdict = classifyUploadReply(status, text);
        const reply = meant(text);
        if (status >= 500 || status === 429 || status === 408) {
          assert.equal(verdict.kind, 'retry', 'customs was overloaded or failing: try again');
          return;
        }
        if (verdict.kind === 'accepted') {
          assert.equal(reply?.code, '10000');
          assert.equal(verdict.code, '10000');
          assert.equal(typeof verdict.message, 'string');
          return;
        }
        if (verdict.kind === 'rejected') {
          assert.ok(
            reply && /^2\d{4}$/.test(reply.code) && Number(reply.code) <= 21000,
            `rejected on ${text.slice(0, 100)}`,
          );
          assert.equal(verdict.code, reply.code);
          // customs' message as it said it, but never more than 2 KB of it (a session item is bounded)
          const said = typeof reply.message === 'string' ? reply.message : '';
          assert.equal(verdict.message, boundedText(said, CUSTOMS_MESSAGE_MAX_BYTES));
          assert.ok(utf8Bytes(verdict.message) <= CUSTOMS_MESSAGE_MAX_BYTES);
          return;
        }
        assert.ok(verdict.reason.length > 0 && verdict.reason.length < 400, 'a short reason for the log');
        // What is retried is what customs did not clearly decide.
        if (reply && (typeof reply.message === 'string' || reply.message == null)) {
          assert.ok(
            !/^(10000|2\d{4})$/.test(reply.code) || Number(reply.code) > 21000,
            `${text.slice(0, 100)} was retried`,
          );
        }
      }),
      fuzz(2000),
    );
  });

  describe('the customs simulator’s checkUpload', () => {
    const sm2 = makeThrowawayCertificate({ algorithm: 'SM3withSM2' });
    const rsa = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });
    const payment = makePayment({ ebpCode: '46016602EV' }, ['SO-F-1', 'SO-F-2']);
    const customs = new CustomsState();
    customs.registerCertificate(payment.ebpCode, sm2.certificatePem);
    customs.registerCertificate(payment.ebpCode, rsa.certificatePem);
    customs.declarePayment(
      payment.payTransactionId,
      payment.orders.map((o) => o.orderNo),
    );
    const sessionID = customs.issueSession('SO-F-1');
    const signed = makeSignedUpload({ sessionID, payment, signer: sm2 });
    const original = parsePayExInfoStr(signed);
    const KNOWN = new Set<string>(Object.values(UploadReplyCode));

    const jsonText = fc.jsonValue().map((j) => JSON.stringify(j));
    /** A document with every top-level field of the right type and anything inside them. */
    const shaped = fc
      .record({
        sessionID: fc.oneof(
          fc.constant(sessionID),
          anyText.filter((s) => s !== ''),
        ),
        head: fc.oneof(
          fc.dictionary(anyText, fc.jsonValue(), { maxKeys: 12 }),
          validPayment.map((p) => ({
            ...p,
            orders: undefined,
            guid: randomBytes(18).toString('hex').toUpperCase().slice(0, 36),
          })),
        ),
        lists: fc.oneof(
          fc.array(fc.jsonValue(), { maxLength: 3 }),
          validPayment.map((p) => p.orders),
        ),
        serviceTime: fc.oneof(fc.nat(), fc.stringMatching(/^\d{1,20}$/)),
        certNo: fc.constantFrom(sm2.certNo, rsa.certNo, 'ffffffffffffffff', '0'),
        signValue: fc.oneof(
          fc.integer({ min: 0, max: 300 }).map((n) => randomBytes(n).toString('base64')),
          anyText.filter((s) => s !== ''),
          fc.constant(randomBytes(64).toString('base64')),
        ),
      })
      .map((d) =>
        JSON.stringify({
          sessionID: d.sessionID,
          payExchangeInfoHead: { ...d.head, ebpCode: payment.ebpCode },
          payExchangeInfoLists: d.lists,
          serviceTime: d.serviceTime,
          certNo: d.certNo,
          signValue: d.signValue,
        }),
      );
    /** A correctly signed upload with one character changed, dropped or doubled somewhere. */
    const tampered = fc
      .tuple(
        fc.nat({ max: signed.length - 1 }),
        fc.constantFrom('flip', 'drop', 'double'),
        fc.oneof(anyText, fc.constantFrom('"', '\\', '}', '0')),
      )
      .map(([i, how, c]) =>
        how === 'drop'
          ? signed.slice(0, i) + signed.slice(i + 1)
          : how === 'double'
            ? signed.slice(0, i) + (signed[i] ?? '') + signed.slice(i)
            : signed.slice(0, i) + c + signed.slice(i + 1),
      )
      .filter((t) => t !== signed);

    it('never throws on any payExInfoStr, and answers with a customs code', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            { weight: 1, arbitrary: fc.oneof(anyText, injection, jsonText, fc.constant(undefined)) },
            { weight: 2, arbitrary: shaped },
            { weight: 2, arbitrary: tampered },
            { weight: 1, arbitrary: hugeText },
          ),
          (payExInfoStr) => {
            const decision = checkUpload(payExInfoStr, customs.knowledge);
            assert.ok(KNOWN.has(decision.code), decision.code);
            assert.ok(decision.message.length > 0);
            // Nothing gets in but our own signature over the very bytes we signed (base64 may be
            // written with or without its padding: the same signature all the same).
            if (decision.accepted) {
              const got = parsePayExInfoStr(payExInfoStr ?? '');
              assert.equal(got.signSource, original.signSource, 'accepted other data under our signature');
              assert.deepEqual(
                Buffer.from(got.signValue, 'base64'),
                Buffer.from(original.signValue, 'base64'),
              );
              assert.equal(got.certNo, original.certNo);
            }
          },
        ),
        fuzz(600),
      );
    });

    it('accepts the untampered upload (so the refusals above are not a simulator that refuses everything)', () => {
      assert.equal(checkUpload(signed, customs.knowledge).code, '10000');
    });
  });
});

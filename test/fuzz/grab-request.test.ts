import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MalformedGrabError } from '#core/errors.ts';
import { type HttpBody, parseGrabRequest } from '#core/protocol/grab-request.ts';
import { GrabReplyCode } from '#core/protocol/reply-codes.ts';
import { badGrabOnTheWire, encoded, grabJson, validGrab } from '#test/helpers/fuzz-grab.ts';
import { anyText, codePoints, fuzz, hugeText, injection, notUtf8 } from '#test/helpers/fuzz-text.ts';

/**
 * parseGrabRequest, the first thing customs' grab meets: whatever arrives, customs gets either a
 * grab we understood exactly as it was sent, or a readable 2000x code. Nothing else may escape.
 */
const BAD_CODES = new Set<string>([
  GrabReplyCode.emptyBody,
  GrabReplyCode.notJson,
  GrabReplyCode.badSessionID,
  GrabReplyCode.badOrderNo,
  GrabReplyCode.badServiceTime,
]);

/** The outcome customs would see: the grab, or the code and message of the refusal. */
function outcome(
  http: HttpBody,
): { grab: ReturnType<typeof parseGrabRequest> } | { code: string; message: string } {
  try {
    return { grab: parseGrabRequest(http) };
  } catch (e) {
    if (!(e instanceof MalformedGrabError)) {
      assert.fail(
        `parseGrabRequest threw ${String(e)} (${(e as Error)?.constructor?.name}), not a MalformedGrabError`,
      );
    }
    return { code: e.code, message: e.message };
  }
}

const contentTypes = fc.option(
  fc.oneof(
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=GBK',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/xml',
      '',
    ),
    anyText,
  ),
  { nil: undefined },
);

const anyBody = fc.oneof(
  { weight: 4, arbitrary: anyText },
  { weight: 2, arbitrary: fc.json() },
  { weight: 2, arbitrary: fc.json().map((openReq) => new URLSearchParams({ openReq }).toString()) },
  { weight: 1, arbitrary: anyText.map((openReq) => new URLSearchParams({ openReq }).toString()) },
  { weight: 1, arbitrary: fc.dictionary(anyText, anyText).map((d) => new URLSearchParams(d).toString()) },
  { weight: 1, arbitrary: notUtf8.map((b) => b.toString('base64')) },
  { weight: 1, arbitrary: injection },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, undefined, '', '   ', '\uFEFF', '{}', '[]', 'openReq=', 'openReq'),
  },
);

describe('parseGrabRequest, fuzzed', () => {
  it('answers any body, content type and base64 flag with a grab or a 2000x MalformedGrabError', () => {
    fc.assert(
      fc.property(
        anyBody,
        contentTypes,
        fc.option(fc.boolean(), { nil: undefined }),
        (body, contentType, isBase64Encoded) => {
          const result = outcome({ body, contentType, isBase64Encoded });
          if ('code' in result) {
            assert.ok(BAD_CODES.has(result.code), `code ${result.code}`);
            assert.ok(result.message.length > 0 && result.message.length <= 200, result.message);
            return;
          }
          // Anything let through is a grab the rest of the product can store and log.
          assert.match(result.grab.sessionID, /^[\x21-\x7e]{1,128}$/);
          assert.equal(result.grab.orderNo, result.grab.orderNo.trim());
          assert.ok(result.grab.orderNo.length > 0 && codePoints(result.grab.orderNo) <= 60);
          if (result.grab.serviceTime !== undefined) {
            assert.ok(Number.isSafeInteger(result.grab.serviceTime) && result.grab.serviceTime >= 0);
          }
        },
      ),
      fuzz(1500),
    );
  });

  it('reads huge bodies without throwing anything but a MalformedGrabError', () => {
    fc.assert(
      fc.property(
        hugeText,
        fc.constantFrom('form', 'json', 'openReq'),
        fc.boolean(),
        (huge, shape, base64) => {
          const text =
            shape === 'form'
              ? new URLSearchParams({ openReq: huge }).toString()
              : shape === 'json'
                ? `{"sessionID":"S-1","orderNo":${JSON.stringify(huge)}}`
                : `openReq=${JSON.stringify({ sessionID: huge.slice(0, 5000), orderNo: 'SO1' })}`;
          const result = outcome({
            body: base64 ? Buffer.from(text).toString('base64') : text,
            isBase64Encoded: base64,
            contentType: shape === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
          });
          assert.ok('code' in result, 'a huge orderNo or sessionID is never taken');
          assert.ok(BAD_CODES.has(result.code));
        },
      ),
      fuzz(15),
    );
  });

  it('gives each kind of bad grab its own code, in every encoding customs may use', () => {
    fc.assert(
      fc.property(badGrabOnTheWire, ({ bad, encoding, http, code }) => {
        const result = outcome(http);
        assert.ok('code' in result, `${bad.kind} (${encoding}) was taken: ${bad.openReq}`);
        assert.equal(result.code, code, `${bad.kind} in ${encoding}: ${result.message}`);
        // A prototype key in the JSON must not have reached Object.prototype.
        assert.equal(({} as Record<string, unknown>).sessionID, undefined);
        assert.equal(({} as Record<string, unknown>).orderNo, undefined);
      }),
      fuzz(2000),
    );
  });

  it('parses every valid grab back to exactly what customs sent, whatever the encoding', () => {
    fc.assert(
      fc.property(
        validGrab.chain((grab) => encoded(fc.constant(grabJson(grab))).map((wire) => ({ grab, wire }))),
        ({ grab, wire }) => {
          const result = outcome(wire.http);
          assert.ok(
            'grab' in result,
            `refused (${wire.encoding}): ${'message' in result ? result.message : ''}`,
          );
          assert.deepEqual(result.grab, grab.expected);
        },
      ),
      fuzz(2000),
    );
  });
});

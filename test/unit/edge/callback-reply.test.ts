import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallbackRejectedError, CallbackUnauthorizedError } from '#core/clearance/errors.ts';
import { callbackErrorReplies, SYSTEM_ERROR_MESSAGE } from '#functions/edge/callback-reply.ts';
import { apiEvent, edgeObservability, replyWhenThrown } from '#test/helpers/edge.ts';

const JSON_CALL = apiEvent({ headers: { 'Content-Type': 'application/json' }, body: '{"order_id":"SO1"}' });
const XML_CALL = apiEvent({ headers: { 'content-type': 'text/xml' }, body: '<CEB312Message/>' });

describe("the clearance callback's error replies (what a partner reads)", () => {
  const cases = [
    [new CallbackRejectedError('PARAM_NOT_NULL', 'notice: order_id is missing'), 400, 'PARAM_NOT_NULL'],
    [
      new CallbackRejectedError('PARAM_INVALID', 'notice: order_id holds control characters'),
      400,
      'PARAM_INVALID',
    ],
    [new CallbackRejectedError('BODY_TOO_LARGE', 'the body is larger than 256 KiB'), 413, 'BODY_TOO_LARGE'],
    [
      new CallbackUnauthorizedError('wrong-signature', 'signature does not verify', 'p1'),
      401,
      'SIGN_INVALID',
    ],
    [new CallbackUnauthorizedError('stale', 'timestamp outside the window'), 401, 'TIMESTAMP_EXPIRED'],
    [new CallbackUnauthorizedError('replayed', 'this request was seen before'), 401, 'REQUEST_REPLAYED'],
  ] as const;
  for (const [error, status, code] of cases) {
    it(`answers ${error.name} (${error.message}) with ${status} ${code}, its reason in msg_info`, async () => {
      const { reply } = await replyWhenThrown(callbackErrorReplies(edgeObservability()), error, JSON_CALL);
      assert.equal(reply.statusCode, status);
      assert.equal(reply.headers?.['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(reply.body), {
        msg_success: false,
        msg_code: code,
        msg_info: error.message,
        msg_obj: false,
      });
    });
  }

  it('answers an XML sender in XML', async () => {
    const error = new CallbackRejectedError(
      'PARAM_INVALID',
      'receipt: returnTime must be <yyyyMMddHHmmssSSS>',
    );
    const { reply } = await replyWhenThrown(callbackErrorReplies(edgeObservability()), error, XML_CALL);
    assert.equal(reply.statusCode, 400);
    assert.equal(reply.headers?.['content-type'], 'application/xml; charset=utf-8');
    assert.match(reply.body, /<msg_code>PARAM_INVALID<\/msg_code>/);
    assert.match(reply.body, /<msg_info>receipt: returnTime must be &lt;yyyyMMddHHmmssSSS&gt;<\/msg_info>/);
  });

  for (const event of [JSON_CALL, XML_CALL]) {
    it(`answers our own failure with 500 SYSTEM_ERROR and nothing internal (${event.headers['content-type'] ?? event.headers['Content-Type']})`, async () => {
      const error = Object.assign(
        new Error('ResourceNotFoundException: Requested resource not found: Table: prod-Clearance-1A2B'),
        { $metadata: { httpStatusCode: 400 } },
      );
      const { reply, logs } = await replyWhenThrown(callbackErrorReplies(edgeObservability()), error, event);
      assert.equal(reply.statusCode, 500);
      assert.match(reply.body, /SYSTEM_ERROR/);
      assert.ok(reply.body.includes(SYSTEM_ERROR_MESSAGE), 'asks the partner to send again');
      assert.doesNotMatch(reply.body, /Exception|Table|1A2B|at \//);
      assert.match(logs, /ResourceNotFoundException/, 'the operator sees the cause in the log');
    });
  }
});

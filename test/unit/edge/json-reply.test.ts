import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionBusyError, ValidationError } from '#core/errors.ts';
import { INTERNAL_ERROR_MESSAGE, jsonErrorReplies } from '#functions/edge/json-reply.ts';
import { edgeObservability, replyWhenThrown } from '#test/helpers/edge.ts';

describe("the order-status API's error replies (what an operator's tool reads)", () => {
  it('answers a bad request with 400 and its reason as JSON', async () => {
    const error = new ValidationError('orderNo must be 1 to 60 characters');
    const { reply } = await replyWhenThrown(jsonErrorReplies(edgeObservability()), error);
    assert.equal(reply.statusCode, 400);
    assert.equal(reply.headers?.['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(reply.body), { message: 'orderNo must be 1 to 60 characters' });
  });

  for (const error of [
    Object.assign(
      new Error('AccessDeniedException: User arn:aws:sts::123456789012:assumed-role/x is not authorized'),
      {
        $metadata: { httpStatusCode: 400 },
      },
    ),
    new SessionBusyError('lease held by worker 7f3a'),
  ]) {
    it(`answers any other failure (${error.name}) with a bare 500, the cause only in the log`, async () => {
      const { reply, logs } = await replyWhenThrown(jsonErrorReplies(edgeObservability()), error);
      assert.equal(reply.statusCode, 500);
      assert.deepEqual(JSON.parse(reply.body), { message: INTERNAL_ERROR_MESSAGE });
      assert.match(logs, new RegExp(error.message.slice(0, 20)));
    });
  }
});

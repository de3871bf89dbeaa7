import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CustomsUnavailableError, MalformedGrabError, ValidationError } from '#core/errors.ts';
import { GrabReplyCode } from '#core/protocol/reply-codes.ts';
import { grabErrorReplies, NOT_ACCEPTED_MESSAGE } from '#functions/edge/grab-reply.ts';
import { edgeObservability, replyWhenThrown } from '#test/helpers/edge.ts';

describe("the grab's error replies (what customs reads from platDataOpen)", () => {
  it('answers a grab it cannot read with its 2000x code and reason, as JSON with HTTP 200', async () => {
    const error = new MalformedGrabError(GrabReplyCode.badOrderNo, 'orderNo is longer than 60 characters');
    const { reply } = await replyWhenThrown(grabErrorReplies(edgeObservability()), error);
    assert.equal(reply.statusCode, 200);
    assert.equal(reply.headers?.['content-type'], 'application/json; charset=utf-8');
    const body = JSON.parse(reply.body);
    assert.equal(body.code, '20005');
    assert.equal(body.message, 'orderNo is longer than 60 characters');
    assert.ok(Number.isSafeInteger(body.serviceTime) && body.serviceTime > 0);
  });

  for (const error of [
    Object.assign(new Error('ProvisionedThroughputExceededException: Rate of requests exceeds the allowed'), {
      $metadata: { httpStatusCode: 400 },
    }),
    new CustomsUnavailableError(
      'queue https://sqs.cn-north-1.amazonaws.com.cn/123456789012/grabs unreachable',
    ),
    new ValidationError('a rule of ours broke'),
    'a thrown string',
  ]) {
    it(`asks customs to send again on our own failure (${String(error).slice(0, 40)}), saying nothing internal`, async () => {
      const { reply, logs } = await replyWhenThrown(grabErrorReplies(edgeObservability()), error);
      assert.equal(reply.statusCode, 200);
      const body = JSON.parse(reply.body);
      assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'serviceTime']);
      assert.equal(body.code, GrabReplyCode.notAccepted);
      assert.equal(body.message, NOT_ACCEPTED_MESSAGE);
      assert.doesNotMatch(reply.body, /Exception|amazonaws|123456789012|rule of ours|thrown string|at \//);
      assert.match(logs, /grab not accepted/, 'the operator sees the failure in the log');
    });
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { MalformedGrabError } from '#core/errors.ts';
import { parseGrabRequest } from '#core/protocol/grab-request.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';
import { badGrabOnTheWire, encode, grabJson, validGrab } from '#test/helpers/fuzz-grab.ts';
import { itemCount, post, queueDepth } from '#test/helpers/fuzz-local.ts';
import { fuzz, hugeText, isUtf8, notUtf8 } from '#test/helpers/fuzz-text.ts';

/**
 * POST /platDataOpen on the local stack (real HTTP, the real handler, moto behind it), fed bad
 * grabs: customs always gets HTTP 200, JSON, and the 2000x code for its mistake; nothing is stored
 * or queued; the API keeps answering. The worker is paused, so a queued grab would stay visible.
 */
let stack: LocalStack;
let ddb: DynamoDBClient;
let sqs: SQSClient;

before(async () => {
  stack = await startLocalStack({ port: 0, logLevel: 'SILENT' });
  await stack.poller.stop();
  ddb = new DynamoDBClient({});
  sqs = new SQSClient({});
});
after(async () => {
  ddb?.destroy();
  sqs?.destroy();
  await stack?.stop();
});

const sessions = () => itemCount(ddb, stack.resources.sessionsTable);
const queued = () => queueDepth(sqs, stack.resources.grabQueueUrl);

/** The code the handler must give: what the pure parser says about the event the API makes of these bytes. */
function pureCode(body: Buffer, contentType: string | undefined): string {
  const http = isUtf8(body)
    ? { contentType, body: body.toString('utf8') }
    : { contentType, body: body.toString('base64'), isBase64Encoded: true };
  try {
    parseGrabRequest(http);
  } catch (e) {
    if (e instanceof MalformedGrabError) return e.code;
    throw e;
  }
  assert.fail('a generated bad body parsed as a grab');
}

async function assertRefused(
  body: string | Buffer,
  contentType: string | undefined,
  code: string,
  what = 'a bad grab',
): Promise<void> {
  const res = await post(stack.platDataOpenUrl, body, contentType);
  assert.equal(res.status, 200, `${what}: ${res.text}`);
  assert.equal(res.contentType, 'application/json; charset=utf-8');
  const reply = res.json as { code?: unknown; message?: unknown; serviceTime?: unknown };
  assert.equal(reply.code, code, `${what}: ${res.text.slice(0, 300)}`);
  assert.equal(typeof reply.message, 'string');
  assert.ok((reply.message as string).length > 0);
  assert.equal(typeof reply.serviceTime, 'number');
}

describe('POST /platDataOpen with bad input (local stack)', () => {
  let sessionsBefore = 0;
  before(async () => {
    sessionsBefore = await sessions();
  });

  it('answers every bad grab 200 with its 2000x code, in every encoding', async () => {
    await fc.assert(
      fc.asyncProperty(badGrabOnTheWire, async ({ bad, encoding, http, code }) => {
        // Over HTTP a base64 event is just its bytes again (API Gateway encodes binary bodies itself).
        const body = http.isBase64Encoded ? Buffer.from(http.body ?? '', 'base64') : (http.body ?? '');
        await assertRefused(body, http.contentType, code, `${bad.kind} as ${encoding}`);
      }),
      fuzz(250),
    );
  });

  it('answers bodies that are not UTF-8, and huge ones, with a 2000x code', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          notUtf8,
          notUtf8.map((b) => Buffer.concat([Buffer.from('openReq='), b])),
          hugeText.map((t) => Buffer.from(new URLSearchParams({ openReq: t }).toString())),
          hugeText.map((t) => Buffer.from(`{"sessionID":"S-HUGE","orderNo":${JSON.stringify(t)}}`)),
        ),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json', undefined),
        async (body, contentType) => {
          await assertRefused(body, contentType, pureCode(body, contentType), `${body.length} bytes`);
        },
      ),
      fuzz(25),
    );
  });

  it('stored and queued nothing for any of it, and still takes a good grab', async () => {
    assert.equal(await sessions(), sessionsBefore, 'a bad grab left a session behind');
    assert.equal(await queued(), 0, 'a bad grab reached the queue');

    // The same counters see a good grab: the checks above could have failed.
    const [grab] = fc.sample(validGrab, { numRuns: 1, seed: 42 });
    assert.ok(grab);
    const http = encode(grabJson(grab), 'form-quot');
    const res = await post(stack.platDataOpenUrl, http.body ?? '', http.contentType);
    assert.deepEqual([res.status, (res.json as { code?: string }).code], [200, '10000']);
    assert.equal(await sessions(), sessionsBefore + 1);
    assert.equal(await queued(), 1);
    const stored = await new DynamoSessionStore(ddb, stack.resources.sessionsTable).get(grab.sessionID);
    assert.equal(stored?.orderNo, grab.expected.orderNo);
  });

  it('stores valid grabs with odd orderNos exactly as customs sent them', async () => {
    const store = new DynamoSessionStore(ddb, stack.resources.sessionsTable);
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(
        validGrab,
        fc.constantFrom('form', 'form-quot', 'json') as fc.Arbitrary<'form' | 'form-quot' | 'json'>,
        async (grab, encoding) => {
          // Unique per run: customs never reuses a sessionID for another order.
          const sessionID = `${grab.sessionID.slice(0, 100)}-${Date.now()}-${++seq}`;
          const http = encode(grabJson({ ...grab, sessionID }), encoding, 'application/json');
          const res = await post(stack.platDataOpenUrl, http.body ?? '', http.contentType);
          assert.equal((res.json as { code?: string }).code, '10000', res.text);
          const stored = await store.get(sessionID);
          assert.equal(stored?.orderNo, grab.expected.orderNo);
          assert.equal(stored?.serviceTime, grab.expected.serviceTime);
        },
      ),
      fuzz(30),
    );
  });
});

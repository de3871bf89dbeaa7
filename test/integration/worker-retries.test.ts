import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { dynamoClient } from '#adapters/aws-clients.ts';
import { DynamoPaymentStore } from '#adapters/dynamodb/payment-store.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import type { Session } from '#core/session.ts';
import { recordDeadLetters } from '#core/use-cases/record-dead-letters.ts';
import { sweepSessionsDeps } from '#functions/composition/sweep-sessions.ts';
import { uploadWorkerRoot } from '#functions/composition/upload-worker-any-signer.ts';
import { createUploadWorker } from '#functions/upload-worker/worker.ts';
import { SqsPoller } from '#local/sqs-poller.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';
import { makePayment } from '#test/helpers/payments.ts';
import { scratchDir } from '#test/helpers/scratch-dir.ts';

/**
 * The upload worker fed from a real queue (moto): a worker that cannot start says so on each waiting
 * session and in the dead-letter record; a grab it fails for a retry comes back after the short
 * backoff, not after the queue's visibility timeout.
 */
let aws: LocalAws;
const pollers: SqsPoller[] = [];
before(async () => {
  aws = await startLocalAws();
});
after(async () => {
  for (const p of pollers) await p.stop();
  await aws?.stop();
});

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await f();
    if (got !== undefined) return got;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A grab recorded, queued and on the queue, as the grab-request function leaves it. */
async function queuedGrab(
  sessions: DynamoSessionStore,
  queueUrl: string,
  sessionID: string,
  orderNo: string,
) {
  const receivedAt = Date.now();
  await sessions.create({ sessionID, orderNo, receivedAt });
  await sessions.markQueued(sessionID, receivedAt, ['received']);
  await new SQSClient({}).send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify({ sessionID, orderNo, receivedAt }),
    }),
  );
}

function startWorker(env: NodeJS.ProcessEnv, queueUrl: string) {
  const poller = new SqsPoller({
    client: new SQSClient({}),
    queueUrl,
    queueArn: 'arn:aws:sqs:cn-north-1:000000000000:grabs',
    handler: createUploadWorker(uploadWorkerRoot(env)),
    functionName: 'upload-worker',
    concurrency: 1,
  });
  pollers.push(poller);
  poller.start();
  return poller;
}

describe('the upload worker on a real queue', () => {
  it('a worker that cannot start says why on the session, and the dead-letter record repeats it', async () => {
    // A short visibility timeout: this test is about what is recorded, not about when.
    const r = await aws.fresh({ visibilityTimeoutSeconds: 1, maxReceives: 2 });
    const placeholder = `placeholder-${Date.now()}`;
    // The soft signer's secret as the stack creates it, before the operator put the key in.
    const secret = await new SecretsManagerClient({}).send(
      new CreateSecretCommand({
        Name: `${r.sessionsTable}-soft-signer`,
        SecretString: JSON.stringify({ privateKeyPem: '', certificatePem: '', placeholder }),
      }),
    );
    const env = {
      ...process.env,
      SIGNER_KIND: 'soft',
      SOFT_SIGNER_SECRET_ID: secret.ARN ?? '',
      CUSTOMS_UPLOAD_URL: 'http://127.0.0.1:1/ceb2grab/grab/realTimeDataUpload',
      RETRY_BACKOFF_STEP_MS: '1000',
    };
    const sessions = new DynamoSessionStore(dynamoClient(), r.sessionsTable);
    const sessionID = `init01-${Date.now()}`;
    await queuedGrab(sessions, r.grabQueueUrl, sessionID, 'SO-INIT-1');
    const poller = startWorker(env, r.grabQueueUrl);

    const waiting = await until(
      'the session says the worker could not start',
      async () => {
        const s = await sessions.get(sessionID);
        return s?.error?.startsWith('worker could not start') ? s : undefined;
      },
      20_000,
    );
    assert.equal(waiting.state, 'queued', 'still waiting, to be uploaded once the signer is fixed');
    assert.match(waiting.error ?? '', /must hold \{privateKeyPem, certificatePem\}/);
    assert.ok(!waiting.error?.includes(placeholder), 'no secret value in the reason');

    // Every receive fails the same way; after the last the message is dead-lettered and the sweep records it.
    const sweep = sweepSessionsDeps(process.env).deadLetters;
    const failed = await until<Session>(
      'the sweep records the dead-lettered grab',
      async () => {
        await recordDeadLetters({ ...sweep, maxReceives: r.maxReceives });
        const s = await sessions.get(sessionID);
        return s?.state === 'failed' ? s : undefined;
      },
      30_000,
    );
    await poller.stop();
    assert.match(
      failed.error ?? '',
      /^dead-lettered after 2 receives: worker could not start: .*must hold \{privateKeyPem, certificatePem\}/,
    );
  });

  it('a grab failed for a retry comes back after the short backoff, not the visibility timeout', async () => {
    // The deployed visibility timeout (120 s): only the worker's backoff brings the grab back sooner.
    const r = await aws.fresh({ visibilityTimeoutSeconds: 120 });
    const material = makeThrowawayCertificate();
    const dir = scratchDir('ceb-grab-retries-');
    await writeFile(join(dir, 'key.pem'), material.privateKeyPem);
    await writeFile(join(dir, 'cert.pem'), material.certificatePem);
    const { CERTIFICATES_TABLE: _none, ...base } = process.env;
    const env = {
      ...base,
      SIGNER_KIND: 'soft',
      SOFT_SIGNER_KEY: join(dir, 'key.pem'),
      SOFT_SIGNER_CERT: join(dir, 'cert.pem'),
      // customs is down: nothing listens there
      CUSTOMS_UPLOAD_URL: 'http://127.0.0.1:1/ceb2grab/grab/realTimeDataUpload',
      UPLOAD_TRIES: '1',
      RETRY_BACKOFF_STEP_MS: '2000',
    };
    const payment = makePayment();
    await new DynamoPaymentStore(dynamoClient(), r.paymentsTable).put(payment);
    const sessions = new DynamoSessionStore(dynamoClient(), r.sessionsTable);
    const sessionID = `retry01-${Date.now()}`;
    await queuedGrab(sessions, r.grabQueueUrl, sessionID, payment.orders[0]?.orderNo ?? '');
    const started = Date.now();
    const poller = startWorker(env, r.grabQueueUrl);

    // Far inside the 120 s the queue alone would take (generous: a loaded machine is slow).
    const again = await until(
      'the grab is delivered a second time, and that delivery is done',
      async () => {
        const s = await sessions.get(sessionID);
        return s && s.attempts >= 2 && s.state === 'retrying' ? s : undefined;
      },
      60_000,
    );
    await poller.stop();
    assert.equal(again.state, 'retrying');
    assert.match(again.error ?? '', /customs could not be reached/);
    assert.equal(again.mayHaveReachedCustoms, false, 'refused at connect: customs never got it');
    assert.ok(Date.now() - started < 100_000, 'back before the visibility timeout would have let it');
  });
});

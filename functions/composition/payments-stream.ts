import { dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SqsGrabQueue } from '#adapters/sqs/grab-queue.ts';
import { systemClock } from '#core/ports.ts';
import type { ReplayWaitingDeps } from '#core/use-cases/replay-waiting-grabs.ts';
import { grabRequestConfig } from '#functions/config.ts';

/**
 * payments-stream's composition root: it reads and re-queues sessions (the same table and queue the
 * grab-request function writes), and never touches a payment.
 */
export function paymentsStreamDeps(env = process.env): ReplayWaitingDeps {
  const config = grabRequestConfig(env);
  return {
    sessions: new DynamoSessionStore(dynamoClient(), config.SESSIONS_TABLE),
    queue: new SqsGrabQueue(sqsClient(), config.GRAB_QUEUE_URL),
    clock: systemClock,
  };
}

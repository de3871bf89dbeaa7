import { DynamoSessionStore, dynamoClient } from '#adapters/dynamodb/session-store.ts';
import { SqsGrabQueue, sqsClient } from '#adapters/sqs/grab-queue.ts';
import { systemClock } from '#core/ports.ts';
import type { AcceptGrabDeps } from '#core/use-cases/accept-grab.ts';
import { grabRequestConfig } from './config.ts';

/**
 * The grab-request function's composition root, apart from the worker's (composition.ts) so its
 * bundle carries no signers, certificates or customs client: it only records and queues.
 */
export function grabRequestDeps(env = process.env): AcceptGrabDeps {
  const config = grabRequestConfig(env);
  return {
    sessions: new DynamoSessionStore(dynamoClient(), config.SESSIONS_TABLE),
    queue: new SqsGrabQueue(sqsClient(), config.GRAB_QUEUE_URL),
    clock: systemClock,
  };
}

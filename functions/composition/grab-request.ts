import { dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SqsGrabQueue } from '#adapters/sqs/grab-queue.ts';
import { systemClock } from '#core/ports.ts';
import type { AcceptGrabDeps } from '#core/use-cases/accept-grab.ts';
import { grabRequestConfig } from '#functions/config.ts';

/**
 * grab-request's composition root: config -> adapters, once per container. Apart from the worker's,
 * so its bundle carries no signers, certificates or customs client: it only records and queues.
 */
export function grabRequestDeps(env = process.env): AcceptGrabDeps {
  const config = grabRequestConfig(env);
  return {
    sessions: new DynamoSessionStore(dynamoClient(), config.SESSIONS_TABLE, config.RETENTION_DAYS),
    queue: new SqsGrabQueue(sqsClient(), config.GRAB_QUEUE_URL),
    clock: systemClock,
  };
}

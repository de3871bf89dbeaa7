import { dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SqsGrabQueue } from '#adapters/sqs/grab-queue.ts';
import { systemClock } from '#core/ports.ts';
import type { sweepStuckSessions } from '#core/use-cases/requeue-stuck.ts';
import { sweepConfig } from '#functions/config.ts';

/** The sweep's composition root: the sessions it reads and re-marks, the queue it sends to. */
export function sweepSessionsDeps(env = process.env): Parameters<typeof sweepStuckSessions>[0] {
  const config = sweepConfig(env);
  return {
    sessions: new DynamoSessionStore(dynamoClient(), config.SESSIONS_TABLE),
    queue: new SqsGrabQueue(sqsClient(), config.GRAB_QUEUE_URL),
    clock: systemClock,
    thresholds: {
      receivedAfterMs: config.STUCK_RECEIVED_AFTER_MS,
      queuedAfterMs: config.STUCK_QUEUED_AFTER_MS,
    },
  };
}

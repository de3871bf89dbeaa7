import { dynamoClient, sqsClient } from '#adapters/aws-clients.ts';
import { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { SqsDeadLetterQueue } from '#adapters/sqs/dead-letter-queue.ts';
import { SqsGrabQueue } from '#adapters/sqs/grab-queue.ts';
import { systemClock } from '#core/ports.ts';
import type { recordDeadLetters } from '#core/use-cases/record-dead-letters.ts';
import type { sweepStuckSessions } from '#core/use-cases/requeue-stuck.ts';
import { sweepConfig } from '#functions/config.ts';

/**
 * The sweep's composition root: the sessions it reads and re-marks, the queue it sends to, and the
 * DLQ whose grabs it records `failed` (leaving the messages for `ceb-grab redrive`).
 */
export function sweepSessionsDeps(env = process.env): {
  stuck: Parameters<typeof sweepStuckSessions>[0];
  deadLetters: Parameters<typeof recordDeadLetters>[0];
} {
  const config = sweepConfig(env);
  const sessions = new DynamoSessionStore(dynamoClient(), config.SESSIONS_TABLE);
  const sqs = sqsClient();
  return {
    stuck: {
      sessions,
      queue: new SqsGrabQueue(sqs, config.GRAB_QUEUE_URL),
      clock: systemClock,
      thresholds: {
        receivedAfterMs: config.STUCK_RECEIVED_AFTER_MS,
        queuedAfterMs: config.STUCK_QUEUED_AFTER_MS,
      },
    },
    deadLetters: {
      // a short look: the messages reappear for redrive within the minute
      dlq: new SqsDeadLetterQueue(sqs, config.GRAB_DLQ_URL, 20),
      sessions,
      clock: systemClock,
      maxReceives: config.MAX_RECEIVES,
    },
  };
}

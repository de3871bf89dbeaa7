import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface GrabQueueProps {
  /** Receives before a grab goes to the DLQ; the worker must be told the same number (MAX_RECEIVES). */
  readonly maxReceiveCount: number;
  /** Consumers' function timeout must not exceed this. */
  readonly visibilityTimeout: Duration;
  readonly key: IKey;
}

/**
 * The grab queue and its dead-letter queue: both encrypted with the stage's key, both refusing
 * anything but TLS, the DLQ keeping messages for the 14 days SQS allows so an operator can replay.
 */
export class GrabQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: GrabQueueProps) {
    super(scope, id);
    const encryption = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      // One GenerateDataKey per 5 minutes per producer, not per message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
    } as const;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...encryption,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      ...encryption,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}

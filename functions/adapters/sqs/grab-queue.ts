import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { GrabMessage, GrabQueue } from '#core/ports.ts';

/** The grab queue: one small message per session; the worker reads what it needs from it. */
export class SqsGrabQueue implements GrabQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: GrabMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({
          sessionID: message.sessionID,
          orderNo: message.orderNo,
          receivedAt: message.receivedAt,
        }),
      }),
    );
  }
}

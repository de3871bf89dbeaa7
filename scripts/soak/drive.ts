import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SingleBar } from 'cli-progress';
import pLimit from 'p-limit';
import { GrabReplyCode } from '#core/protocol/reply-codes.ts';
import type { CustomsSimulator } from '#doubles/customs-simulator/server.ts';
import type { RunOptions } from './options.ts';
import type { Tally } from './tally.ts';

export interface DriveTarget {
  readonly customs: CustomsSimulator;
  readonly platDataOpenUrl: string;
  readonly grabQueueUrl: string;
  readonly sqs: SQSClient;
  readonly orderNos: readonly string[];
}

const ATTEMPTS = 5;

/**
 * Send a grab the way customs does: when no answer comes, send the same sessionID again; when the
 * platform answers with an error, send it again too (in the faulted run only some of the time, so the
 * sweep has grabs to find).
 */
async function grabWithRetries(
  t: DriveTarget,
  orderNo: string,
  opts: RunOptions,
  tally: Tally,
): Promise<{ sessionID: string; sentAt: number }> {
  const sessionID = t.customs.registerSession(orderNo);
  for (let attempt = 1; ; attempt++) {
    let grab: Awaited<ReturnType<CustomsSimulator['sendGrab']>>;
    try {
      grab = await t.customs.sendGrab(t.platDataOpenUrl, orderNo, { sessionID, timeoutMs: 20_000 });
    } catch (e) {
      if (attempt >= ATTEMPTS) throw e;
      tally.count('grab re-sent after no answer', sessionID);
      continue;
    }
    const code = (grab.reply as { code?: unknown } | undefined)?.code;
    if (code === GrabReplyCode.ok) return grab;
    if (attempt >= ATTEMPTS || Math.random() >= opts.resendAfterErrorRate) {
      tally.count('grab refused, left to the sweep', sessionID);
      return grab;
    }
    tally.count('grab re-sent after an error reply', sessionID);
    await sleep(200);
  }
}

/** Every grab of the run, `concurrency` at a time, with the run's duplicates; their sessionIDs. */
export async function sendGrabs(
  t: DriveTarget,
  opts: RunOptions,
  tally: Tally,
  bar: SingleBar,
): Promise<string[]> {
  const ids: string[] = [];
  const limit = pLimit(opts.concurrency);
  await Promise.all(
    Array.from({ length: opts.grabs }, (_, i) =>
      limit(async () => {
        const orderNo = t.orderNos[i % t.orderNos.length] ?? '';
        const grab = await grabWithRetries(t, orderNo, opts, tally);
        ids.push(grab.sessionID);
        if (Math.random() < opts.duplicateGrabRate) {
          tally.count('duplicate grab', grab.sessionID);
          await t.customs.sendGrab(t.platDataOpenUrl, orderNo, {
            sessionID: grab.sessionID,
            escapeQuotes: true,
          });
        }
        if (Math.random() < opts.duplicateDeliveryRate) {
          tally.count('duplicate delivery', grab.sessionID);
          const body = JSON.stringify({ sessionID: grab.sessionID, orderNo, receivedAt: grab.sentAt });
          await t.sqs.send(new SendMessageCommand({ QueueUrl: t.grabQueueUrl, MessageBody: body }));
        }
        bar.increment();
      }),
    ),
  );
  return ids;
}

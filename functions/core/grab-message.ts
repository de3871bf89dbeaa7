import * as v from 'valibot';
import type { GrabMessage } from './ports.ts';

/** The SQS message body the grab-request function sends and the upload worker reads. */
export const GrabMessageSchema = v.object({
  sessionID: v.pipe(v.string(), v.minLength(1)),
  orderNo: v.pipe(v.string(), v.minLength(1)),
  receivedAt: v.number(),
});

export function parseGrabMessage(body: string): GrabMessage {
  return v.parse(GrabMessageSchema, JSON.parse(body));
}

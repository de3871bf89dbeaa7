import * as v from 'valibot';
import type { GrabMessage } from './ports.ts';
import { orderNo, sessionID } from './protocol/field-rules.ts';

/** The SQS message body the grab-request function sends and the upload worker reads. */
export const GrabMessageSchema = v.object({
  sessionID,
  orderNo: orderNo(),
  receivedAt: v.number(),
});

export function parseGrabMessage(body: string): GrabMessage {
  return v.parse(GrabMessageSchema, JSON.parse(body));
}

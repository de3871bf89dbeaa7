import { paymentsStreamDeps } from '#functions/composition/payments-stream.ts';
import { createPaymentsStreamHandler } from './stream-consumer.ts';

/** The Lambda entry: the handler with its deps from the environment, built once per container. */
export const handler = createPaymentsStreamHandler(paymentsStreamDeps());

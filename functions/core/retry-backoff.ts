import { RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_STEP_MS } from './settings.ts';

/** Seconds until a grab the worker failed on its `receiveCount`th receive is delivered again. */
export const retryBackoffSeconds = (
  receiveCount: number,
  stepMs = RETRY_BACKOFF_STEP_MS,
  maxMs = RETRY_BACKOFF_MAX_MS,
): number => Math.ceil(Math.min(maxMs, stepMs * Math.max(1, receiveCount)) / 1000);

import type { SignerKind } from './ports.ts';
import { WORKER_MAX_CONCURRENCY } from './settings.ts';

/**
 * How many upload workers run at once: the stage's override, else its signer kind's default (chosen
 * from the signer's rate). The deployed event source (lib/stateless-stack.ts) and the local stack's
 * queue poller (local/local-stack.ts) both ask here.
 */
export const workerMaxConcurrency = (kind: SignerKind, override?: number): number =>
  override ?? WORKER_MAX_CONCURRENCY[kind];

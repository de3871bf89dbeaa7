import type { Context, SQSEvent } from 'aws-lambda';
import { SignerTimeoutError } from '#adapters/signers/hsm-proxy-http.ts';
import { ConfigError, SignerUnavailableError } from '#core/errors.ts';
import type { UploadDeps } from '#core/use-cases/upload-session.ts';
import type { SqsHandler } from '#local/sqs-poller.ts';
import type { RunOptions } from './options.ts';
import type { Tally } from './tally.ts';

/** A worker that dies mid-delivery: nothing after this point happens, nothing is recorded. */
class WorkerCrash extends Error {}

const sessionOf = (payExInfoStr: string) => (JSON.parse(payExInfoStr) as { sessionID: string }).sessionID;
const sessionInSignSource = (data: string) => /"sessionID":"([^"]+)"/.exec(data)?.[1];

function isSignerTimeout(e: unknown): boolean {
  for (let c = e; c instanceof Error; c = c.cause) if (c instanceof SignerTimeoutError) return true;
  return false;
}

/**
 * The worker's deps with the run's faults: the signer refuses, the worker dies right after claiming a
 * session (before it marks the send: nothing sent), or after customs answered but before recording it.
 * Every signer timeout the worker meets is counted (the card-paced run must have none).
 */
export function faultyWorkerDeps(deps: UploadDeps, opts: RunOptions, tally: Tally): UploadDeps {
  const crashed = new Set<string>();
  const claimWithPayload = deps.sessions.claimWithPayload?.bind(deps.sessions);
  const crashAfterClaim = <T extends { claimed: boolean }>(sessionID: string, taken: T): T => {
    if (taken.claimed && Math.random() < opts.crashBeforeUploadRate) {
      tally.count('worker crash between claim and upload', sessionID);
      throw new WorkerCrash(`worker died holding the lease of ${sessionID}, before uploading it`);
    }
    return taken;
  };
  return {
    ...deps,
    signer: {
      sign: async (data, key) => {
        const sessionID = sessionInSignSource(data);
        if (Math.random() < opts.signerFailureRate) {
          tally.count('signer unavailable', sessionID);
          throw new SignerUnavailableError('signing device unplugged (injected)');
        }
        try {
          return await deps.signer.sign(data, key);
        } catch (e) {
          if (isSignerTimeout(e)) tally.count('signer timeout (seen by the worker)', sessionID);
          throw e;
        }
      },
    },
    customs: {
      upload: async (payExInfoStr) => {
        const sessionID = sessionOf(payExInfoStr);
        const reply = await deps.customs.upload(payExInfoStr);
        if (Math.random() < opts.crashAfterUploadRate) {
          crashed.add(sessionID);
          tally.count('worker crash after upload', sessionID);
          throw new WorkerCrash(`worker died after uploading ${sessionID}`);
        }
        return reply;
      },
    },
    sessions: Object.assign(Object.create(Object.getPrototypeOf(deps.sessions)), deps.sessions, {
      // Dies holding the lease it just took: the claim is written, nothing after it happens.
      claim: async (...args: Parameters<UploadDeps['sessions']['claim']>) =>
        crashAfterClaim(args[0], await deps.sessions.claim(...args)),
      ...(claimWithPayload
        ? {
            claimWithPayload: async (...args: Parameters<typeof claimWithPayload>) =>
              crashAfterClaim(args[0], await claimWithPayload(...args)),
          }
        : {}),
      // A dead worker records nothing: not the outcome, not even `retrying`.
      recordOutcome: async (...args: Parameters<UploadDeps['sessions']['recordOutcome']>) => {
        if (crashed.delete(args[0])) throw new WorkerCrash('the worker is gone');
        return deps.sessions.recordOutcome(...args);
      },
    }),
  };
}

/**
 * The worker's handler failing at init until `failingUntil()` (as a missing signer secret fails every
 * invocation): the whole batch goes back to the queue, as in Lambda, and is processed once init works.
 */
export function initFailingWorker(handler: SqsHandler, failingUntil: () => number, tally: Tally): SqsHandler {
  return async (event: SQSEvent, context: Context) => {
    if (Date.now() < failingUntil()) {
      tally.count('worker init failure (invocations)');
      for (const r of event.Records) tally.count('grabs bounced by a worker init failure', grabOf(r.body));
      throw new ConfigError('the signer secret could not be read (injected init failure)');
    }
    return handler(event, context);
  };
}

function grabOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { sessionID?: string }).sessionID;
  } catch {
    return undefined;
  }
}

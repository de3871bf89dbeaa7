import type { AcceptGrabDeps } from '#core/use-cases/accept-grab.ts';
import type { RunOptions } from './options.ts';
import type { Tally } from './tally.ts';

class GrabRequestCrash extends Error {}

/**
 * grab-request's deps with a crash between the session write and the send: the session is written
 * `received`, then the function dies before SendMessage and records nothing more. Customs gets an
 * error and may send the grab again; else the sweep finds the `received` session and queues it.
 */
export function faultyGrabDeps(deps: AcceptGrabDeps, opts: RunOptions, tally: Tally): AcceptGrabDeps {
  const crashed = new Set<string>();
  return {
    ...deps,
    queue: {
      send: async (message) => {
        if (Math.random() < opts.crashBeforeSendRate) {
          crashed.add(message.sessionID);
          tally.count('grab-request crash between session write and send', message.sessionID);
          throw new GrabRequestCrash(`grab-request died before sending ${message.sessionID}`);
        }
        return deps.queue.send(message);
      },
    },
    sessions: Object.assign(Object.create(Object.getPrototypeOf(deps.sessions)), deps.sessions, {
      // A dead function does not note why it did not send.
      markNotQueued: async (...args: Parameters<AcceptGrabDeps['sessions']['markNotQueued']>) => {
        if (crashed.delete(args[0])) throw new GrabRequestCrash('grab-request is gone');
        return deps.sessions.markNotQueued(...args);
      },
    }),
  };
}

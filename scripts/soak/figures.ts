import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import type { DynamoSessionStore } from '#adapters/dynamodb/session-store.ts';
import { isTerminal, type Session } from '#core/session.ts';
import type { CustomsSimulator } from '#doubles/customs-simulator/server.ts';
import { queueDepth, type Sampler } from './sampler.ts';
import type { Tally } from './tally.ts';

/** What a run ends with: each grab's recorded state against what customs holds. */
export interface Verdicts {
  readonly byState: Record<string, number>;
  readonly lost: number;
  readonly doubleAccepted: number;
  readonly pending: number;
  /** customs accepted it but we recorded something else, or the reverse */
  readonly disagreements: number;
  /** messages left in the grab queue's DLQ */
  readonly deadLettered: number;
  /** when the last session got its outcome (ms since the epoch) */
  readonly lastOutcomeAt: number;
  /** sessions that broke an invariant, each with its history: at most 5 */
  readonly traces: string[];
}

export interface DrainDeps {
  readonly sqs: SQSClient;
  readonly grabQueueUrl: string;
  readonly grabDlqUrl: string;
  readonly sessions: DynamoSessionStore;
  readonly customs: CustomsSimulator;
  readonly sampler: Sampler;
  readonly tally: Tally;
}

const TRACES = 5;

/**
 * Wait for the drain, then read every session. The drain: the grab queue empty (nothing visible,
 * nothing in flight) twice in a row, then every session in a final state; sessions still open are read
 * again until the deadline (the sweep queues a grab whose send died, after its threshold). Polling
 * the queue rather than the table keeps moto from scanning it every second.
 */
export async function drainAndRead(
  ids: readonly string[],
  deps: DrainDeps,
  deadline: number,
): Promise<Verdicts> {
  let emptyPolls = 0;
  let seen = deps.sampler.samples.length;
  while (emptyPolls < 2 && Date.now() < deadline) {
    await sleep(1_000);
    const fresh = deps.sampler.samples.slice(seen);
    seen += fresh.length;
    for (const s of fresh) emptyPolls = s.queueDepth === 0 ? emptyPolls + 1 : 0;
  }
  const read = pLimit(16);
  const rows = new Map<string, Session | undefined>();
  const readAll = (which: readonly string[]) =>
    Promise.all(which.map((id) => read(async () => rows.set(id, await deps.sessions.get(id)))));
  await readAll(ids);
  for (;;) {
    const open = ids.filter((id) => !rows.get(id) || !isTerminal((rows.get(id) as Session).state));
    if (open.length === 0 || Date.now() >= deadline) break;
    await sleep(2_000);
    await readAll(open);
  }
  return verdicts(ids, rows, deps, await queueDepth(deps.sqs, deps.grabDlqUrl));
}

function verdicts(
  ids: readonly string[],
  rows: ReadonlyMap<string, Session | undefined>,
  deps: DrainDeps,
  deadLettered: number,
): Verdicts {
  const byState: Record<string, number> = {};
  let lost = 0;
  let pending = 0;
  let disagreements = 0;
  let doubleAccepted = 0;
  let lastOutcomeAt = 0;
  const traces: string[] = [];
  const trace = (id: string, why: string) => {
    if (traces.length < TRACES) traces.push(traceOf(id, rows.get(id), why, deps));
  };
  for (const id of ids) {
    const s = rows.get(id);
    const accepted = deps.customs.uploads(id).filter((u) => u.accepted).length;
    if (accepted > 1) {
      doubleAccepted++;
      trace(id, `accepted by customs ${accepted} times`);
    }
    if (!s) {
      lost++;
      trace(id, 'lost: no session recorded');
      continue;
    }
    byState[s.state] = (byState[s.state] ?? 0) + 1;
    lastOutcomeAt = Math.max(lastOutcomeAt, s.finishedAt ?? s.updatedAt);
    if (!isTerminal(s.state)) {
      pending++;
      trace(id, `still ${s.state} after the drain`);
    }
    // `failed` or `rejected` with nothing held at customs agrees; so does `uploaded` with one acceptance.
    if ((s.state === 'uploaded') !== (accepted === 1)) {
      disagreements++;
      trace(id, `we say ${s.state}, customs accepted it ${accepted} times`);
    }
  }
  return { byState, lost, doubleAccepted, pending, disagreements, deadLettered, lastOutcomeAt, traces };
}

/** One session's history: our record, what the soak did to it, what customs received and answered. */
function traceOf(id: string, s: Session | undefined, why: string, deps: DrainDeps): string {
  const at = (ms: number | undefined) => (ms === undefined || !s ? '-' : `+${ms - s.receivedAt} ms`);
  const ours = s
    ? `${s.state}, attempts ${s.attempts}, received, queued ${at(s.queuedAt)}, first try ${at(s.firstAttemptAt)}, ` +
      `finished ${at(s.finishedAt)}; customs said ${s.customsCode ?? '-'} ${s.customsMessage ?? ''}; error ${s.error ?? '-'}`
    : 'no session recorded';
  const injected = deps.tally.of(id);
  const faults = deps.customs.faultsOf(id);
  const grab = deps.customs.session(id);
  const uploads = deps.customs.uploads(id).map((u) => {
    const when = s ? `+${u.receivedAt - s.receivedAt} ms` : `#${u.seq}`;
    return `      ${when} ${u.accepted ? 'accepted' : 'refused'} ${u.code} ${u.message.slice(0, 80)}`;
  });
  return [
    `  trace ${id} (${why})`,
    `    ours: ${ours}`,
    `    grab: sent ${grab?.grabsSent ?? 0} times${grab?.grabError ? `, last error ${grab.grabError}` : ''}`,
    `    injected by the soak: ${injected.join(', ') || 'nothing'}`,
    `    customs' faults on its uploads: ${faults.join(', ') || 'none'}`,
    `    uploads customs checked and stored: ${uploads.length}`,
    ...uploads,
  ].join('\n');
}

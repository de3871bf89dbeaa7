import type { RunFigures } from './run.ts';
import type { Sample } from './sampler.ts';

/** The share of the signer's rate a card-paced run must drain at. */
export const DRAIN_SHARE_REQUIRED = 0.9;

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const list = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/** Which of the run's invariants broke: none means it passed. */
export function broken(f: RunFigures): string[] {
  const v = f.verdicts;
  const problems = [
    v.lost > 0 && `${v.lost} lost`,
    v.doubleAccepted > 0 && `${v.doubleAccepted} accepted twice`,
    v.pending > 0 && `${v.pending} pending`,
    v.disagreements > 0 && `${v.disagreements} disagreements`,
  ];
  if (f.signer) {
    const drainRate = f.grabsSent / f.drainSeconds;
    problems.push(
      (v.byState.failed ?? 0) > 0 && `${v.byState.failed} failed`,
      v.deadLettered > 0 && `${v.deadLettered} dead-lettered`,
      f.signer.timeouts > 0 && `${f.signer.timeouts} signer timeouts`,
      drainRate < DRAIN_SHARE_REQUIRED * f.signer.rate &&
        `drain ${drainRate.toFixed(2)}/s is under ${pct(DRAIN_SHARE_REQUIRED)} of the signer's ${f.signer.rate}/s`,
    );
  }
  return problems.filter((p): p is string => typeof p === 'string');
}

/** One line per 10 s: the signer's busy share over those seconds, the queues at their end, customs' count. */
function timeSeries(samples: readonly Sample[]): string[] {
  const lines: string[] = [];
  for (let from = 0; from < samples.length; from += 10) {
    const window = samples.slice(from, from + 10);
    const last = window.at(-1);
    if (!last) break;
    const busy = window.flatMap((s) => (s.signerBusy === undefined ? [] : [s.signerBusy]));
    const signer =
      busy.length > 0
        ? `  signer busy ${pct(busy.reduce((a, b) => a + b, 0) / busy.length).padStart(4)}  waiting at the signer ${String(last.signerWaiting ?? 0).padStart(3)}`
        : '';
    lines.push(
      `    t=${last.t.toFixed(0).padStart(4)} s  grab queue ${String(last.queueDepth).padStart(5)}${signer}  accepted ${last.accepted}`,
    );
  }
  return lines;
}

export function report(f: RunFigures): boolean {
  const v = f.verdicts;
  const problems = broken(f);
  const rate = f.grabsSent / f.drainSeconds;
  const lines = [
    `== ${f.options.name} run: ${problems.length === 0 ? 'invariants hold' : `INVARIANTS BROKEN (${problems.join(', ')})`}`,
    `  grabs sent                      ${f.grabsSent}`,
    `  sessions by state               ${list(v.byState)}`,
    `  lost (no recorded state)        ${v.lost}`,
    `  accepted by customs twice       ${v.doubleAccepted}`,
    `  still pending after the drain   ${v.pending}`,
    `  our record vs customs disagree  ${v.disagreements}`,
    `  failed                          ${v.byState.failed ?? 0}`,
    `  dead-lettered (DLQ depth)       ${v.deadLettered}`,
    `  time to send every grab         ${f.sentSeconds.toFixed(1)} s`,
    `  first grab to last outcome      ${f.drainSeconds.toFixed(1)} s (${rate.toFixed(2)} grabs/s)`,
  ];
  if (f.signer) {
    const s = f.signer;
    lines.push(
      `  signer                          a card at ${s.rate}/s behind \`ceb-grab signer\`, ${s.signatures} signatures`,
      `  drain rate                      ${rate.toFixed(2)} grabs/s = ${pct(rate / s.rate)} of the signer's rate (at least ${pct(DRAIN_SHARE_REQUIRED)} required)`,
      `  signer busy                     ${pct(s.busyFraction)} of the wall time`,
      `  signer timeouts                 ${s.timeouts}`,
      `  at the proxy                    ${s.averageQueueMs.toFixed(0)} ms average wait, at most ${s.maxInFlight} requests at once, refusals: ${list(s.proxyErrors) || 'none'}`,
    );
  }
  lines.push(`  faults injected                 ${list(f.injected) || 'none'}`);
  lines.push('  over time (one line per 10 s)', ...timeSeries(f.samples));
  if (v.traces.length > 0) lines.push('  sessions that broke an invariant (at most 5):', ...v.traces);
  process.stdout.write(`${lines.join('\n')}\n`);
  return problems.length === 0;
}

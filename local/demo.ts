import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { SessionStore } from '#core/ports.ts';
import type { Payment } from '#core/protocol/payment.ts';
import { isTerminal, type Session } from '#core/session.ts';
import type { CustomsSimulator } from '#doubles/customs-simulator/server.ts';

export interface DemoResult {
  readonly sessions: readonly Session[];
  readonly accepted: number;
  readonly total: number;
  readonly elapsedMs: number;
}

/**
 * The demo scenario of `npm start`: customs (the simulator) grabs orders of the sample payments,
 * and we watch each session reach its outcome in our own table.
 */
export async function runDemo(opts: {
  customs: CustomsSimulator;
  platDataOpenUrl: string;
  sessions: SessionStore;
  payments: readonly Payment[];
  orderNos: readonly string[];
  certificatePem: string;
  timeoutMs?: number;
  out?: NodeJS.WriteStream;
}): Promise<DemoResult> {
  const out = opts.out ?? process.stdout;
  const { customs } = opts;
  for (const ebpCode of new Set(opts.payments.map((p) => p.ebpCode)))
    customs.registerCertificate(ebpCode, opts.certificatePem);
  for (const p of opts.payments)
    customs.declarePayment(
      p.payTransactionId,
      p.orders.map((o) => o.orderNo),
    );

  const started = Date.now();
  const grabs = await Promise.all(
    opts.orderNos.map((orderNo) => customs.sendGrab(opts.platDataOpenUrl, orderNo)),
  );
  const ids = grabs.map((g) => g.sessionID);
  const refused = grabs.filter((g) => (g.reply as { code?: string } | undefined)?.code !== '10000');
  if (refused.length > 0) out.write(`warning: ${refused.length} grabs were not answered 10000\n`);

  const bar = out.isTTY
    ? new cliProgress.SingleBar(
        {
          format: 'grabs  [{bar}] {value}/{total} finished | {accepted} accepted | {duration}s',
          hideCursor: true,
          stream: out,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(ids.length, 0, { accepted: 0 });

  const deadline = started + (opts.timeoutMs ?? 90_000);
  let rows: Session[] = [];
  let lastReport = -1;
  for (;;) {
    rows = (await Promise.all(ids.map((id) => opts.sessions.get(id)))).filter(
      (s): s is Session => s !== undefined,
    );
    const finished = rows.filter((s) => isTerminal(s.state)).length;
    const accepted = rows.filter((s) => s.state === 'uploaded').length;
    if (bar) bar.update(finished, { accepted });
    else if (finished !== lastReport)
      out.write(`grabs: ${finished}/${ids.length} finished, ${accepted} accepted\n`);
    lastReport = finished;
    if (finished === ids.length || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  bar?.stop();
  const byId = new Map(rows.map((s) => [s.sessionID, s]));
  const ordered = ids.map((id) => byId.get(id)).filter((s): s is Session => s !== undefined);
  return {
    sessions: ordered,
    accepted: ordered.filter((s) => s.state === 'uploaded').length,
    total: ids.length,
    elapsedMs: Date.now() - started,
  };
}

export function sessionsTable(sessions: readonly Session[]): string {
  const table = new Table({
    head: ['sessionID', 'orderNo', 'orders uploaded', 'state', 'tries', 'customs reply', 'grab→accepted'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const s of sessions) {
    table.push([
      s.sessionID,
      s.orderNo,
      String(s.orderNos?.length ?? '-'),
      s.state,
      String(s.attempts),
      s.customsCode
        ? `${s.customsCode} ${s.customsMessage ?? ''}`.slice(0, 40)
        : (s.error ?? '').slice(0, 40),
      s.latencyMs === undefined ? '-' : `${s.latencyMs} ms`,
    ]);
  }
  return table.toString();
}

export function latencySummary(sessions: readonly Session[]): string {
  const l = sessions
    .map((s) => s.latencyMs)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  if (l.length === 0) return 'no upload was accepted';
  const pct = (p: number) => l[Math.min(l.length - 1, Math.ceil((p / 100) * l.length) - 1)];
  return `grab→accepted: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${l[l.length - 1]} ms`;
}

import type { Command } from 'commander';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { fail, failWith, operatorFor, resolveTarget } from '#cli/target.ts';
import type { Session } from '#core/session.ts';
import type { OrderStatus, TimelineView } from '#core/use-cases/order-status.ts';

/**
 * `ceb-grab status <sessionID|orderNo|copNo>`: where an order stands, from the grab (sessions: state,
 * attempts, customs' reply) to customs clearance (its timeline and current state).
 */
export function registerStatus(program: Command): void {
  operatorCommand(program, 'status')
    .description(
      'show an order (or the order of a sessionID): grab sessions, payment, clearance timeline and state',
    )
    .argument('<id>', 'a sessionID, an orderNo, or an inventory copNo or invtNo linked to its order')
    .option('--json', 'print JSON (what GET /orders/{orderNo}/status returns)')
    .option(
      '--reveal',
      'print the stored payExInfoStr exactly as uploaded, bank accounts included (what `ceb-grab verify` checks)',
    )
    .action(async (id: string, opts: StackOptions & { json?: boolean; reveal?: boolean }) => {
      try {
        const operator = await operatorFor(
          await resolveTarget(['SESSIONS_TABLE', 'PAYMENTS_TABLE', 'CLEARANCE_TABLE'], opts),
        );
        const { statusBySessionOrOrder } = await import('#core/use-cases/order-status.ts');
        const status = await statusBySessionOrOrder(id, operator.status(), { reveal: opts.reveal === true });
        if (!status) {
          fail(`no session, no payment and no clearance event for ${id}`, 1);
          return;
        }
        if (opts.reveal && !opts.json) {
          // The upload alone, byte for byte: `ceb-grab status S --reveal | ceb-grab verify --pay-ex-info-str - ...`
          const uploads = status.sessions.filter((s) => s.payExInfoStr);
          if (uploads.length !== 1) {
            fail(
              uploads.length === 0
                ? `no stored upload for ${id}`
                : `${id} has ${uploads.length} uploads: name one by its sessionID (${uploads.map((s) => s.sessionID).join(', ')})`,
              1,
            );
            return;
          }
          process.stdout.write(uploads[0]?.payExInfoStr ?? '');
          return;
        }
        process.stdout.write(
          opts.json ? `${JSON.stringify(status, null, 2)}\n` : `${describeOrder(status)}\n`,
        );
      } catch (e) {
        failWith(e);
      }
    });
}

export function describeOrder(status: OrderStatus): string {
  const { payment, sessions, clearance } = status;
  const lines = [`order ${status.orderNo}`];
  lines.push(
    payment
      ? `  payment ${payment.payCode}/${payment.payTransactionId}: ${payment.totalAmount} (currency ${payment.currency}), orders ${payment.orders.join(', ')}`
      : '  payment: none loaded for this order',
  );
  if (sessions.length === 0) lines.push('  no grab session yet');
  for (const s of sessions) lines.push(...describeSession(s));
  lines.push(...describeClearance(clearance));
  for (const note of status.notes) lines.push(`  NOTE ${note}`);
  if (status.masked) lines.push(`  (${status.masked})`);
  return lines.join('\n');
}

const t = (ms?: number) => (ms === undefined ? '-' : new Date(ms).toISOString());

function describeSession(s: Session): string[] {
  const out = [
    `  session ${s.sessionID}: ${s.state.toUpperCase()}`,
    `    received ${t(s.receivedAt)}, attempts ${s.attempts}, updated ${t(s.updatedAt)}`,
  ];
  if (s.latencyMs !== undefined) out.push(`    grab -> accepted in ${s.latencyMs} ms`);
  if (s.customsCode) out.push(`    customs replied ${s.customsCode} ${s.customsMessage ?? ''}`);
  if (s.inferred)
    out.push(
      '    inferred: an earlier try whose reply was lost reached customs (it answered the retry 入库失败)',
    );
  if (s.error) out.push(`    reason: ${s.error}`);
  if (s.otherOrderNos?.length)
    out.push(`    customs also sent this sessionID for: ${s.otherOrderNos.join(', ')} (kept ${s.orderNo})`);
  if (s.certNo)
    out.push(
      `    certNo ${s.certNo}, guid ${s.guid ?? '-'}, orders uploaded: ${(s.orderNos ?? []).join(', ')}`,
    );
  return out;
}

function describeClearance(c: OrderStatus['clearance']): string[] {
  if (c.timeline.length === 0) return ['  clearance: nothing heard yet'];
  const now = c.current;
  const out = [
    now
      ? `  clearance: ${c.state.toUpperCase()} since ${t(now.eventAt)} (${now.source} ${now.code} ${now.meaning}${now.info ? `: ${now.info}` : ''})`
      : `  clearance: ${c.state.toUpperCase()}`,
  ];
  for (const e of c.timeline) out.push(describeEvent(e));
  return out;
}

function describeEvent(e: TimelineView): string {
  const ref = [
    e.refs.copNo ? ` copNo ${e.refs.copNo}` : '',
    e.refs.invtNo ? ` invtNo ${e.refs.invtNo}` : '',
    e.refs.passNo ? ` passNo ${e.refs.passNo}` : '',
  ].join('');
  const late = e.applied
    ? ''
    : e.state === 'unknown'
      ? '  (no effect: a code this version does not know)'
      : '  (no effect: the order had already gone past it)';
  return (
    `    ${t(e.eventAt)}  ${e.source.padEnd(6)} ${e.code.padEnd(8)} ${e.state.padEnd(10)} ${e.meaning}` +
    `${e.info ? ` — ${e.info}` : ''}${ref}  (${e.partner}, received ${t(e.receivedAt)})${late}`
  );
}

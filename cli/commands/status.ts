import type { Command } from 'commander';
import { fail, useTarget } from '#cli/target.ts';
import { maskAccount } from '#core/redact.ts';
import type { Session } from '#core/session.ts';

/** `ceb-grab status <sessionID|orderNo>`: where a grab (or every grab of an order) stands. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(
      'show the grab sessions of a sessionID or an orderNo: state, attempts, customs reply, latency',
    )
    .argument('<id>', 'a sessionID or an orderNo')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      try {
        useTarget(['SESSIONS_TABLE', 'PAYMENTS_TABLE']);
        const { DynamoSessionStore, dynamoClient } = await import('#adapters/dynamodb/session-store.ts');
        const { DynamoPaymentStore } = await import('#adapters/dynamodb/payment-store.ts');
        const ddb = dynamoClient();
        const sessions = new DynamoSessionStore(ddb, process.env.SESSIONS_TABLE ?? '');
        const payments = new DynamoPaymentStore(ddb, process.env.PAYMENTS_TABLE ?? '');
        const bySession = await sessions.get(id);
        const found = bySession ? [bySession] : await sessions.listByOrder(id);
        const orderNo = bySession?.orderNo ?? id;
        const payment = await payments.findByOrder(orderNo);
        if (found.length === 0 && !payment) {
          fail(`no session and no order named ${id}`, 1);
          return;
        }
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ orderNo, sessions: found.map(publicView), payment: payment ? { payTransactionId: payment.payTransactionId, orders: payment.orders.map((o) => o.orderNo) } : null }, null, 2)}\n`,
          );
          return;
        }
        const lines = [`order ${orderNo}`];
        lines.push(
          payment
            ? `  payment ${payment.payCode}/${payment.payTransactionId}: ${payment.totalAmount} (currency ${payment.currency}), orders ${payment.orders.map((o) => o.orderNo).join(', ')}`
            : '  payment: none loaded for this order',
        );
        if (found.length === 0) lines.push('  no grab session yet');
        for (const s of found) lines.push(...describe(s));
        process.stdout.write(`${lines.join('\n')}\n`);
      } catch (e) {
        fail((e as Error).message);
      }
    });
}

function describe(s: Session): string[] {
  const t = (ms?: number) => (ms === undefined ? '-' : new Date(ms).toISOString());
  const out = [
    `  session ${s.sessionID}: ${s.state.toUpperCase()}`,
    `    received ${t(s.receivedAt)}, attempts ${s.attempts}, updated ${t(s.updatedAt)}`,
  ];
  if (s.latencyMs !== undefined) out.push(`    grab -> accepted in ${s.latencyMs} ms`);
  if (s.customsCode) out.push(`    customs replied ${s.customsCode} ${s.customsMessage ?? ''}`);
  if (s.error) out.push(`    reason: ${s.error}`);
  if (s.certNo)
    out.push(
      `    certNo ${s.certNo}, guid ${s.guid ?? '-'}, orders uploaded: ${(s.orderNos ?? []).join(', ')}`,
    );
  return out;
}

/** What the status shows of a session: everything but the bank accounts in the payload. */
function publicView(s: Session): Session {
  return s.payExInfoStr ? { ...s, payExInfoStr: maskAccount(s.payExInfoStr) } : s;
}

import { setTimeout as delay } from 'node:timers/promises';
import type { Session } from '#core/session.ts';
import { loadSamplePayments } from '#local/demo-data.ts';
import type { LocalStack } from '#local/local-stack.ts';

/** Customs grabs `count` sample orders of a running local stack; their sessions, read as they go. */
export async function grabSampleOrders(stack: LocalStack, count: number) {
  const customs = stack.customs;
  if (!customs) throw new Error('the local stack runs without its customs simulator');
  const loaded = await loadSamplePayments();
  for (const ebpCode of new Set(loaded.payments.map((p) => p.ebpCode))) {
    customs.registerCertificate(ebpCode, stack.signer.certificatePem);
  }
  for (const p of loaded.payments) {
    customs.declarePayment(
      p.payTransactionId,
      p.orders.map((o) => o.orderNo),
    );
  }
  const grabs = await Promise.all(
    loaded.orderNos.slice(0, count).map((orderNo) => customs.sendGrab(stack.platDataOpenUrl, orderNo)),
  );
  const ids = grabs.map((g) => g.sessionID);
  const read = async () =>
    (await Promise.all(ids.map((id) => loaded.sessions.get(id)))).filter((s): s is Session => !!s);
  /** Wait until every session satisfies `done`; the sessions as they were last read. */
  const waitFor = async (done: (s: Session) => boolean, timeoutMs: number): Promise<Session[]> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const rows = await read();
      if ((rows.length === ids.length && rows.every(done)) || Date.now() > until) return rows;
      await delay(200);
    }
  };
  return { ids, read, waitFor };
}

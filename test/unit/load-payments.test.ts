import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ValidationError } from '#core/errors.ts';
import type { GrabMessage, GrabQueue, PaymentStore, PutPaymentResult, SessionStore } from '#core/ports.ts';
import { type Payment, parsePayment, paymentKeyOf } from '#core/protocol/payment.ts';
import type { Session } from '#core/session.ts';
import {
  checkPayments,
  LoadInterruptedError,
  type LoadPaymentsDeps,
  type LoadProgress,
  loadPayments,
} from '#core/use-cases/load-payments.ts';
import {
  SAMPLE_EBP_CODE,
  sampleGrabOrderNos,
  samplePayments,
  samplePaymentsJsonl,
} from '#local/sample-payments.ts';
import { makePayment } from '#test/helpers/payments.ts';

/** In-memory payments with the store's contract: whole payments, 'unchanged' when identical, no order theft. */
class MemoryPayments implements PaymentStore {
  readonly byOrder = new Map<string, Payment>();
  failWith: Error | undefined;

  async findByOrder(orderNo: string): Promise<Payment | undefined> {
    return this.byOrder.get(orderNo);
  }

  async put(payment: Payment): Promise<PutPaymentResult> {
    if (this.failWith) throw this.failWith;
    const key = paymentKeyOf(payment);
    payment.orders.forEach((o, i) => {
      const owner = this.byOrder.get(o.orderNo);
      if (owner && paymentKeyOf(owner) !== key) {
        const rule = `order ${o.orderNo} already belongs to payment ${paymentKeyOf(owner)}`;
        throw new ValidationError(rule, [{ path: `orders[${i}].orderNo`, rule }]);
      }
    });
    const stored = [...this.byOrder.values()].find((p) => paymentKeyOf(p) === key);
    if (stored && JSON.stringify(stored) === JSON.stringify(payment)) return 'unchanged';
    for (const [orderNo, p] of this.byOrder) if (paymentKeyOf(p) === key) this.byOrder.delete(orderNo);
    for (const o of payment.orders) this.byOrder.set(o.orderNo, payment);
    return stored ? 'updated' : 'created';
  }
}

/** The part of the session store a load touches; the rest is not expected to be called. */
class MemorySessions implements SessionStore {
  readonly rows = new Map<string, Session>();

  add(sessionID: string, orderNo: string, state: Session['state'], receivedAt = 1_000): this {
    this.rows.set(sessionID, { sessionID, orderNo, state, receivedAt, updatedAt: receivedAt, attempts: 1 });
    return this;
  }
  stateOf(sessionID: string): string | undefined {
    return this.rows.get(sessionID)?.state;
  }
  async listByOrder(orderNo: string): Promise<Session[]> {
    return [...this.rows.values()].filter((s) => s.orderNo === orderNo);
  }
  async markQueued(sessionID: string, at: number, from: readonly Session['state'][]): Promise<boolean> {
    const s = this.rows.get(sessionID);
    if (!s || !from.includes(s.state)) return false;
    this.rows.set(sessionID, { ...s, state: 'queued', queuedAt: at, updatedAt: at });
    return true;
  }
  async markNotQueued(sessionID: string, reason: string, at: number): Promise<void> {
    const s = this.rows.get(sessionID);
    if (s?.state === 'queued')
      this.rows.set(sessionID, { ...s, state: 'received', error: reason, updatedAt: at });
  }
  async get(sessionID: string): Promise<Session | undefined> {
    return this.rows.get(sessionID);
  }
  create(): never {
    throw new Error('not used by a load');
  }
  claim(): never {
    throw new Error('not used by a load');
  }
  markDeadLettered(): never {
    throw new Error('not used by a load');
  }
  noteWaitingReason(): never {
    throw new Error('not used by a load');
  }
  recordOtherOrder(): never {
    throw new Error('not used by a load');
  }
  markResent(): never {
    throw new Error('not used by a load');
  }
  recordPrepared(): never {
    throw new Error('not used by a load');
  }
  markSending(): never {
    throw new Error('not used by a load');
  }
  recordOutcome(): never {
    throw new Error('not used by a load');
  }
  listByState(): never {
    throw new Error('not used by a load');
  }
}

class MemoryQueue implements GrabQueue {
  readonly sent: GrabMessage[] = [];
  failWith: Error | undefined;
  async send(message: GrabMessage): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(message);
  }
}

function world() {
  const deps = {
    payments: new MemoryPayments(),
    sessions: new MemorySessions(),
    queue: new MemoryQueue(),
    clock: { now: () => 5_000 },
  } satisfies LoadPaymentsDeps;
  return deps;
}

const line = (p: Payment): string => JSON.stringify(p);
const payA = makePayment({ payTransactionId: 'TX-A' }, ['SO-A-1', 'SO-A-2']);
const payB = makePayment({ payTransactionId: 'TX-B' }, ['SO-B-1']);

describe('loadPayments', () => {
  it('loads the good lines and reports each bad one by line number, field and rule', async () => {
    const deps = world();
    const longName = makePayment({ payTransactionId: 'TX-BAD' }, ['SO-X-1', 'SO-X-2']);
    const bad = {
      ...longName,
      orders: [longName.orders[0], { ...longName.orders[1], recpName: '长'.repeat(101) }],
    };
    const lines = [line(payA), '', '   ', JSON.stringify(bad), '{"payCode": "1537923071", oops', line(payB)];

    const result = await loadPayments(lines, deps);

    assert.deepEqual(
      { created: result.created, rejected: result.rejected, lines: result.lines },
      { created: 2, rejected: 2, lines: 4 },
    );
    assert.deepEqual(
      result.rejections.map((r) => ({ line: r.line, paths: r.issues.map((i) => i.path) })),
      [
        { line: 4, paths: ['orders[1].recpName'] },
        { line: 5, paths: ['(root)'] },
      ],
    );
    assert.match(result.rejections[0]?.issues[0]?.rule ?? '', /at most 100 characters/);
    assert.match(result.rejections[1]?.issues[0]?.rule ?? '', /not valid JSON/);
    assert.equal((await deps.payments.findByOrder('SO-A-2'))?.payTransactionId, 'TX-A');
    assert.equal(await deps.payments.findByOrder('SO-X-1'), undefined, 'a bad line stores nothing');
  });

  it('names every broken field of a line, and missing fields', async () => {
    const { payCode: _missing, ...noPayCode } = makePayment({ currency: 'CNY', verDept: '9' as '1' }, [
      'SO-M-1',
    ]);

    const result = await loadPayments([JSON.stringify(noPayCode)], world());

    const issues = result.rejections[0]?.issues ?? [];
    assert.deepEqual(issues.map((i) => i.path).sort(), ['currency', 'payCode', 'verDept']);
    assert.equal(issues.find((i) => i.path === 'payCode')?.rule, 'required, missing');
  });

  it('does not echo a line that is not JSON (it may hold an account number)', async () => {
    const result = await loadPayments(
      ['{"recpAccount": "6217850100007893901" "recpName": "x"}', 'not json'],
      world(),
    );

    assert.equal(result.rejected, 2);
    for (const r of result.rejections) {
      assert.doesNotMatch(r.issues[0]?.rule ?? '', /6217850100007893901|not json"/);
      assert.match(r.issues[0]?.rule ?? '', /^not valid JSON/);
    }
  });

  it('changes nothing when the same file is loaded again', async () => {
    const deps = world();
    const lines = [line(payA), line(payB)];
    await loadPayments(lines, deps);

    const again = await loadPayments(lines, deps);

    assert.deepEqual(
      {
        created: again.created,
        updated: again.updated,
        unchanged: again.unchanged,
        rejected: again.rejected,
      },
      { created: 0, updated: 0, unchanged: 2, rejected: 0 },
    );
  });

  it('counts a corrected payment as updated', async () => {
    const deps = world();
    await loadPayments([line(payA)], deps);

    const result = await loadPayments([line({ ...payA, totalAmount: 99 })], deps);

    assert.equal(result.updated, 1);
    assert.equal((await deps.payments.findByOrder('SO-A-1'))?.totalAmount, 99);
  });

  it('rejects a line whose order already belongs to another payment, naming the field', async () => {
    const deps = world();
    const thief = makePayment({ payTransactionId: 'TX-THIEF' }, ['SO-T-1', 'SO-A-2']);

    const result = await loadPayments([line(payA), line(thief)], deps);

    assert.deepEqual(
      result.rejections.map((r) => [r.line, r.issues[0]?.path]),
      [[2, 'orders[1].orderNo']],
    );
    assert.match(
      result.rejections[0]?.issues[0]?.rule ?? '',
      /SO-A-2 already belongs to payment 1537923071#TX-A/,
    );
    assert.equal(await deps.payments.findByOrder('SO-T-1'), undefined);
  });

  it('queues again the grabs that found no data, once their payment is loaded', async () => {
    const deps = world();
    deps.sessions
      .add('S-EARLY-1', 'SO-A-1', 'no-data', 1_111)
      .add('S-DONE', 'SO-A-1', 'uploaded')
      .add('S-EARLY-2', 'SO-A-2', 'no-data', 2_222)
      .add('S-OTHER', 'SO-ELSEWHERE', 'no-data');

    const result = await loadPayments([line(payA)], deps);

    assert.equal(result.replayed, 2);
    assert.deepEqual(
      deps.queue.sent.sort((a, b) => a.receivedAt - b.receivedAt),
      [
        { sessionID: 'S-EARLY-1', orderNo: 'SO-A-1', receivedAt: 1_111 },
        { sessionID: 'S-EARLY-2', orderNo: 'SO-A-2', receivedAt: 2_222 },
      ],
    );
    assert.equal(deps.sessions.stateOf('S-EARLY-1'), 'queued');
    assert.equal(deps.sessions.stateOf('S-DONE'), 'uploaded');
    assert.equal(deps.sessions.stateOf('S-OTHER'), 'no-data');

    const again = await loadPayments([line(payA)], deps);
    assert.equal(again.replayed, 0);
    assert.equal(deps.queue.sent.length, 2, 'an unchanged payment queues nothing');
  });

  it('keeps the payment and reports the grab when it cannot be queued again', async () => {
    const deps = world();
    deps.sessions.add('S-EARLY', 'SO-B-1', 'no-data');
    deps.queue.failWith = new Error('queue unreachable');

    const result = await loadPayments([line(payB)], deps);

    assert.equal(result.created, 1);
    assert.equal(result.replayed, 0);
    assert.deepEqual(
      result.replayErrors.map((e) => [e.line, e.orderNo, e.sessionID]),
      [[1, 'SO-B-1', 'S-EARLY']],
    );
    assert.match(result.replayErrors[0]?.error ?? '', /queue unreachable/);
    assert.equal(deps.sessions.stateOf('S-EARLY'), 'received', 'left where a retry re-queues it');
  });

  it('only checks in a dry run, reporting the same rejections a load would', async () => {
    const lines = [line(payA), '{', line(payB), line({ ...payB, currency: 'USD' })];

    const checked = await checkPayments(lines);

    assert.deepEqual(
      { valid: checked.valid, rejected: checked.rejected, created: checked.created },
      { valid: 2, rejected: 2, created: 0 },
    );
    const loaded = await loadPayments(lines, world());
    assert.deepEqual(checked.rejections, loaded.rejections);
  });

  it('stops at the line the store failed on and says what was done before it', async () => {
    const deps = world();
    const lines = (async function* () {
      yield line(payA);
      deps.payments.failWith = new Error('socket hang up');
      yield line(payB);
    })();

    await assert.rejects(loadPayments(lines, deps), (error: unknown) => {
      assert.ok(error instanceof LoadInterruptedError);
      assert.equal(error.line, 2);
      assert.equal(error.partial.created, 1);
      assert.equal(error.retryable, true);
      assert.match(error.message, /line 2: socket hang up/);
      return true;
    });
  });

  it('reports progress after every line, in file order', async () => {
    const seen: LoadProgress[] = [];

    const result = await loadPayments([line(payA), '', 'x', line(payB)], world(), {
      onProgress: (p) => seen.push(p),
    });

    assert.deepEqual(
      seen.map((p) => [p.line, p.outcome]),
      [
        [1, 'created'],
        [3, 'rejected'],
        [4, 'created'],
      ],
    );
    assert.equal(seen.at(-1)?.counts.created, result.created);
    assert.equal(seen[1]?.rejection?.line, 3);
  });

  it('reads a file saved with a BOM and Windows line ends', async () => {
    const result = await loadPayments([`\uFEFF${line(payA)}\r`, `${line(payB)}\r`], world());

    assert.deepEqual([result.created, result.rejected], [2, 0]);
  });
});

describe('sample payments (local demo)', () => {
  const payments = samplePayments();

  it('are all valid and hold the 20 orders the demo grabs', async () => {
    for (const p of payments) assert.doesNotThrow(() => parsePayment(p), p.payTransactionId);
    assert.ok(payments.length >= 14);
    const orderNos = sampleGrabOrderNos();
    assert.equal(orderNos.length, 20);
    assert.equal(new Set(orderNos).size, 20);

    const result = await loadPayments(samplePaymentsJsonl().split('\n'), world());
    assert.deepEqual([result.created, result.rejected], [payments.length, 0]);
  });

  it('cover the shapes customs sees', () => {
    const sizes = payments.map((p) => p.orders.length);
    const orders = payments.flatMap((p) => p.orders);
    assert.ok(sizes.includes(1) && sizes.includes(2) && sizes.includes(4), `orders per payment: ${sizes}`);
    assert.ok(payments.every((p) => p.ebpCode === SAMPLE_EBP_CODE));
    assert.deepEqual([...new Set(payments.map((p) => p.currency))].sort(), ['142', '502']);
    assert.ok(payments.some((p) => p.payType === undefined) && payments.some((p) => p.payType !== undefined));
    assert.ok(
      orders.some((o) => o.recpCode === ''),
      'a foreign seller without recpCode',
    );
    assert.ok(orders.some((o) => /\p{Script=Han}/u.test(o.recpName)));
    assert.ok(orders.some((o) => o.goodsInfo.some((g) => /\p{Script=Han}/u.test(g.gname))));
    assert.ok(Math.max(...payments.map((p) => p.initalRequest.length)) >= 3000, 'a long initalRequest');
  });

  it('are what events/payments.sample.jsonl holds', () => {
    const file = readFileSync(new URL('../../events/payments.sample.jsonl', import.meta.url), 'utf8');
    assert.equal(file, samplePaymentsJsonl());
  });
});

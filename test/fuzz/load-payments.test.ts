import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationError } from '#core/errors.ts';
import { type Payment, parsePayment } from '#core/protocol/payment.ts';
import { checkPayments, type LoadProgress, loadPayments } from '#core/use-cases/load-payments.ts';
import { fixedClock, MemoryPaymentStore, MemoryQueue, MemorySessionStore } from '#test/helpers/fakes.ts';
import { validPayment, violation, withField } from '#test/helpers/fuzz-payments.ts';
import { anyText, fuzz, injection } from '#test/helpers/fuzz-text.ts';

/**
 * `ceb-grab load` on arbitrary files (in-memory stores): it never throws over a line's content,
 * reports every bad line by its number with a field path and a rule, and stores every good line.
 */
type Line =
  | { readonly kind: 'good'; readonly text: string; readonly payment: Payment }
  | {
      readonly kind: 'bad';
      readonly text: string;
      readonly why: string;
      readonly path?: string;
      readonly accounts: readonly string[];
    }
  | { readonly kind: 'blank'; readonly text: string };

/** Order numbers unique to the line, so lines never compete for an order. */
const own = (p: Payment, prefix: string, i: number): Payment => ({
  ...p,
  payTransactionId: `${prefix}-TX-${i}`,
  orders: p.orders.map((o, k) => ({ ...o, orderNo: `${prefix}-${i}-${k}` })),
});

const notJson = (t: string) => {
  try {
    JSON.parse(t);
    return false;
  } catch {
    return true;
  }
};

function lineAt(i: number): fc.Arbitrary<Line> {
  const bad = (text: string, why: string, accounts: readonly string[] = [], path?: string): Line => ({
    kind: 'bad',
    text,
    why,
    accounts,
    ...(path === undefined ? {} : { path }),
  });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: validPayment
        .map((p) => own(p, 'GOOD', i))
        .map((payment): Line => ({ kind: 'good', text: JSON.stringify(payment), payment })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '   ', '\t', '\r').map((text): Line => ({ kind: 'blank', text })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(anyText, injection)
        .filter((t) => t.replace(/^\uFEFF/, '').trim() !== '' && notJson(t))
        .map((t) => bad(t, 'not JSON')),
    },
    {
      weight: 1,
      arbitrary: validPayment
        .map((p) => own(p, 'BAD', i))
        .chain((p) => {
          const text = JSON.stringify(p);
          return fc.nat({ max: text.length - 2 }).map((n) =>
            bad(
              text.slice(0, n + 1),
              'cut short',
              p.orders.map((o) => o.recpAccount),
              '(root)',
            ),
          );
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .jsonValue()
        .filter((j) => typeof j !== 'object' || j === null || Array.isArray(j))
        .map((j) => bad(JSON.stringify(j), 'not an object', [], '(root)')),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          validPayment.map((p) => own(p, 'BAD', i)),
          violation.filter((v) => v.place !== 'guid'),
          fc.nat(),
        )
        .map(([p, v, n]) => {
          const o = n % p.orders.length;
          const order = p.orders[o] as Payment['orders'][number];
          const broken =
            v.place === 'payment'
              ? withField(p, v.field, v.value)
              : v.place === 'order'
                ? { ...p, orders: p.orders.map((x, k) => (k === o ? withField(x, v.field, v.value) : x)) }
                : {
                    ...p,
                    orders: p.orders.map((x, k) =>
                      k === o
                        ? {
                            ...x,
                            goodsInfo: [
                              withField(order.goodsInfo[0] as object, v.field, v.value),
                              ...x.goodsInfo.slice(1),
                            ],
                          }
                        : x,
                    ),
                  };
          const path =
            v.place === 'payment'
              ? v.field
              : v.place === 'order'
                ? `orders[${o}].${v.field}`
                : `orders[${o}].goodsInfo[0].${v.field}`;
          // JSON has no NaN or Infinity: they are written as null, which is still the wrong thing.
          return bad(
            JSON.stringify(broken),
            `${v.field} ${v.why}`,
            p.orders.map((x) => x.recpAccount),
            path,
          );
        }),
    },
    {
      weight: 1,
      arbitrary: validPayment
        .map((p) => own(p, 'BAD', i))
        .chain((p) =>
          fc.constantFrom(
            bad(JSON.stringify({ ...p, payTpye: '1' }), 'misspelled field', [], 'payTpye'),
            bad(JSON.stringify({ ...p, orders: [...p.orders, p.orders[0]] }), 'an order twice', [], 'orders'),
            bad(JSON.stringify({ ...p, orders: [] }), 'no orders', [], 'orders'),
            bad(
              JSON.stringify({
                ...p,
                orders: Array.from({ length: 100 }, (_, k) => ({
                  ...p.orders[0],
                  orderNo: `BAD-${i}-x${k}`,
                })),
              }),
              '100 orders',
              [],
              'orders',
            ),
          ),
        ),
    },
  );
}

const file = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => lineAt(i + 1))).chain((lines) =>
    // A Windows editor's file: a BOM on the first line and CR line ends.
    fc.tuple(fc.boolean(), fc.boolean()).map(
      ([bom, crlf]) =>
        lines.map((l, i) => ({
          ...l,
          text: `${bom && i === 0 && l.kind !== 'bad' ? '\uFEFF' : ''}${l.text}${crlf && l.kind !== 'bad' ? '\r' : ''}`,
        })) as Line[],
    ),
  ),
);

function world() {
  return {
    payments: new MemoryPaymentStore(),
    sessions: new MemorySessionStore(),
    queue: new MemoryQueue(),
    clock: fixedClock(1_000),
  };
}

describe('loadPayments, fuzzed', () => {
  it('stores every good line and reports every bad one by line number, field and rule', async () => {
    await fc.assert(
      fc.asyncProperty(file, async (lines) => {
        const deps = world();
        const progress: LoadProgress[] = [];
        const texts = lines.map((l) => l.text);
        const result = await loadPayments(texts, deps, { onProgress: (p) => progress.push(p) });

        const numbered = lines.map((l, k) => ({ ...l, line: k + 1 }));
        const good = numbered.filter((l) => l.kind === 'good');
        const bad = numbered.filter((l) => l.kind === 'bad');
        assert.equal(result.lines, good.length + bad.length);
        assert.deepEqual([result.created, result.rejected, result.replayed], [good.length, bad.length, 0]);
        assert.deepEqual(
          result.rejections.map((r) => r.line),
          bad.map((l) => l.line),
        );
        assert.deepEqual(
          progress.map((p) => p.line),
          numbered.filter((l) => l.kind !== 'blank').map((l) => l.line),
        );

        for (const [k, rejection] of result.rejections.entries()) {
          const line = bad[k];
          assert.ok(line?.kind === 'bad');
          assert.ok(rejection.issues.length > 0, line.why);
          for (const issue of rejection.issues) {
            assert.ok(
              issue.path.length > 0 && issue.rule.trim().length > 0,
              `${line.why}: ${JSON.stringify(issue)}`,
            );
            // A rule is a rule, not the data: it never quotes an account number.
            for (const account of line.accounts) {
              if (account.length >= 4)
                assert.ok(!issue.rule.includes(account), `${line.why} quoted an account`);
            }
          }
          if (line.path)
            assert.ok(
              rejection.issues.some((x) => x.path === line.path),
              `${line.why}: ${JSON.stringify(rejection.issues)}`,
            );
          if (line.why === 'not an object') {
            // One line, one payment: a list or a bare value is not read as a payment missing every field.
            assert.equal(rejection.issues.length, 1, JSON.stringify(rejection.issues));
            assert.match(rejection.issues[0]?.rule ?? '', /JSON object/);
          }
          if (line.why === 'not JSON' || line.why === 'cut short') {
            assert.match(rejection.issues[0]?.rule ?? '', /^not valid JSON( \(error at character \d+\))?$/);
          }
        }
        for (const l of good) {
          assert.ok(l.kind === 'good');
          for (const o of l.payment.orders)
            assert.deepEqual(await deps.payments.findByOrder(o.orderNo), l.payment);
        }
        // Nothing of a bad line was stored: every stored order belongs to a good line.
        assert.ok([...deps.payments.byOrder.keys()].every((orderNo) => orderNo.startsWith('GOOD-')));

        const dry = await checkPayments(texts);
        assert.deepEqual(dry.rejections, result.rejections, 'a dry run reports what a load reports');
      }),
      fuzz(100),
    );
  });

  it('parsePayment names a field path and a rule for anything that is not a payment', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.anything({
            withNullPrototype: true,
            withBigInt: true,
            withDate: true,
            withMap: true,
            withTypedArray: true,
          }),
          validPayment.chain((p) =>
            violation.filter((v) => v.place === 'payment').map((v) => withField(p, v.field, v.value)),
          ),
        ),
        (input) => {
          let error: unknown;
          try {
            parsePayment(input);
            return;
          } catch (e) {
            error = e;
          }
          assert.ok(error instanceof ValidationError, `threw ${String(error)}`);
          assert.ok(error.issues.length > 0);
          for (const issue of error.issues) {
            assert.ok(issue.path.length > 0, JSON.stringify(issue));
            assert.ok(issue.rule.trim().length > 0, JSON.stringify(issue));
            assert.ok(error.message.includes(`${issue.path}: ${issue.rule}`));
          }
        },
      ),
      fuzz(500),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '#core/errors.ts';
import { PAYMENT_INTAKE_MAX_BYTES, PAYMENT_INTAKE_MAX_LINES } from '#core/settings.ts';
import { takePayments } from '#core/use-cases/take-payments.ts';
import { MemoryPaymentStore } from '#test/helpers/fakes.ts';
import { makePayment } from '#test/helpers/payments.ts';

/** POST /payments' use case: what the platform's order system reads back, per line. */
describe('taking payments from a request body', () => {
  it('answers each NDJSON line created, then unchanged when the same body comes again', async () => {
    const payments = new MemoryPaymentStore();
    const body = [makePayment({}, ['TP-A1']), makePayment({}, ['TP-B1', 'TP-B2'])]
      .map((p) => JSON.stringify(p))
      .join('\n');
    const first = await takePayments(body, { payments });
    assert.deepEqual(
      first.results.map((r) => [r.line, r.status]),
      [
        [1, 'created'],
        [2, 'created'],
      ],
    );
    assert.equal(first.created, 2);
    assert.ok(payments.byOrder.has('TP-B2'));
    const again = await takePayments(`${body}\n`, { payments });
    assert.deepEqual(
      again.results.map((r) => r.status),
      ['unchanged', 'unchanged'],
    );
  });

  it('takes one pretty-printed payment as line 1', async () => {
    const payments = new MemoryPaymentStore();
    const result = await takePayments(JSON.stringify(makePayment({}, ['TP-P1']), null, 2), { payments });
    assert.deepEqual(result.results, [{ line: 1, status: 'created', errors: [] }]);
  });

  it('names an unknown field plainly and stores the other lines', async () => {
    const payments = new MemoryPaymentStore();
    const { payTransactionId, ...rest } = makePayment({}, ['TP-U1']);
    const misspelled = { ...rest, payTransactionID: payTransactionId };
    const body = `${JSON.stringify(misspelled)}\n\n${JSON.stringify(makePayment({}, ['TP-U2']))}`;
    const result = await takePayments(body, { payments });
    assert.equal(result.rejected, 1);
    const [bad, good] = result.results;
    assert.equal(bad?.line, 1);
    assert.equal(bad?.status, 'rejected');
    assert.ok(
      bad?.errors.some((e) => e.field === 'payTransactionID' && e.rule === 'unknown field payTransactionID'),
      JSON.stringify(bad?.errors),
    );
    assert.ok(bad?.errors.some((e) => e.field === 'payTransactionId' && e.rule === 'required, missing'));
    assert.deepEqual(good, { line: 3, status: 'created', errors: [] });
    assert.ok(!payments.byOrder.has('TP-U1'), 'nothing of the rejected line is stored');
  });

  it('refuses an empty body, too many lines or too many bytes, storing nothing', async () => {
    const payments = new MemoryPaymentStore();
    const line = JSON.stringify(makePayment({}, ['TP-L1']));
    const tooMany = Array.from({ length: PAYMENT_INTAKE_MAX_LINES + 1 }, () => line).join('\n');
    const tooBig = `${line}\n${' '.repeat(PAYMENT_INTAKE_MAX_BYTES)}`;
    for (const [body, words] of [
      ['  \n', /empty/],
      [tooMany, /at most 1000/],
      [tooBig, /at most \d+ bytes/],
    ] as const) {
      await assert.rejects(takePayments(body, { payments }), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.match(e.message, words);
        return true;
      });
    }
    assert.equal(payments.byOrder.size, 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGrabRequest } from '#core/protocol/grab-request.ts';
import { checkUpload } from '#doubles/customs-simulator/check-upload.ts';
import { CustomsState, SimulatorWaitTimeoutError } from '#doubles/customs-simulator/customs-state.ts';
import { planFault } from '#doubles/customs-simulator/faults.ts';
import { readPaymentsFile } from '#doubles/customs-simulator/payments-file.ts';
import { buildOpenReq } from '#doubles/customs-simulator/send-grab.ts';
import { newSessionID } from '#doubles/customs-simulator/session-id.ts';
import { makeSignedUpload } from '#doubles/customs-simulator/signed-upload.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { makePayment } from '#test/helpers/payments.ts';

const cert = makeThrowawayCertificate();

describe('customs simulator: sessions, waits and grabs', () => {
  it("issues unique sessionIDs in customs' shape (fe2374-8fnejf97-32839218)", () => {
    const ids = Array.from({ length: 2000 }, newSessionID);
    for (const id of ids) assert.match(id, /^[0-9a-f]{6}-[0-9a-z]{8}-\d{8}$/);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('builds openReq as the product must read it: plain, &quot;-escaped, serviceTime as a string', () => {
    const grab = { orderNo: 'SO-1', sessionID: 'fe2374-8fnejf97-32839218', serviceTime: 1533271903898 };
    assert.equal(
      buildOpenReq(grab),
      '{"orderNo":"SO-1","sessionID":"fe2374-8fnejf97-32839218","serviceTime":1533271903898}',
    );
    const odd = buildOpenReq(grab, { escapeQuotes: true, serviceTimeAsString: true });
    assert.equal(
      odd,
      '{&quot;orderNo&quot;:&quot;SO-1&quot;,&quot;sessionID&quot;:&quot;fe2374-8fnejf97-32839218&quot;,&quot;serviceTime&quot;:&quot;1533271903898&quot;}',
    );
    const body = new URLSearchParams({ openReq: odd }).toString();
    assert.deepEqual(
      parseGrabRequest({ body, contentType: 'application/x-www-form-urlencoded; charset=UTF-8' }),
      grab,
    );
  });

  it('measures grab -> accepted latency on its clock', () => {
    let t = 1_000;
    const state = new CustomsState(() => t);
    state.registerCertificate('46016602EV', cert.certificatePem);
    const payment = makePayment({ ebpCode: '46016602EV' }, ['SO-L-1']);
    const sessionID = state.issueSession('SO-L-1');
    t = 1_750;
    const text = makeSignedUpload({ sessionID, payment, signer: cert });
    state.recordUpload(text, checkUpload(text, state.knowledge));
    assert.deepEqual(
      { status: state.session(sessionID)?.status, latencyMs: state.session(sessionID)?.latencyMs },
      { status: 'accepted', latencyMs: 750 },
    );
    assert.equal(state.uploads(sessionID)[0]?.payExInfoStr, text, 'the raw upload is kept');
  });

  it('waitForUploads resolves on a refusal; waitForAccepted times out naming what is pending', async () => {
    const state = new CustomsState();
    const a = state.issueSession('SO-W-1');
    const b = state.issueSession('SO-W-2');
    const waiting = state.waitFor([a, b], (s) => s.status !== 'issued', 'uploaded', 5_000);
    for (const sessionID of [a, b]) {
      const text = makeSignedUpload({ sessionID, payment: makePayment(), signer: cert });
      state.recordUpload(text, checkUpload(text, state.knowledge)); // no certificate registered: 20004
    }
    const done = await waiting;
    assert.deepEqual(
      done.map((s) => [s.status, s.code]),
      [
        ['rejected', '20004'],
        ['rejected', '20004'],
      ],
    );
    await assert.rejects(
      state.waitFor([a], (s) => s.status === 'accepted', 'accepted', 30),
      (e: unknown) => {
        assert.ok(e instanceof SimulatorWaitTimeoutError);
        assert.deepEqual(e.pending, [a]);
        assert.match(e.message, /20004/);
        return true;
      },
    );
    await assert.rejects(
      state.waitFor(['never-issued'], () => true, 'uploaded', 30),
      /never issued/,
    );
  });

  it('moves an order to the payment it was last declared under', () => {
    const state = new CustomsState();
    state.declarePayment('P1', ['O1', 'O2']);
    state.declarePayment('P2', ['O2', 'O3']);
    assert.deepEqual(state.knowledge.payments.get('P1'), ['O1']);
    assert.equal(state.knowledge.paymentOfOrder.get('O2'), 'P2');
  });

  it('plans only a delay for now, from the faults it is given', () => {
    assert.deepEqual(planFault({}), { delayMs: 0, action: 'answer' });
    assert.deepEqual(planFault({ latencyMs: 40 }), { delayMs: 40, action: 'answer' });
  });

  it('reads declared payments from a load file, reporting lines it cannot use', () => {
    const text = [
      JSON.stringify({
        payTransactionId: 'P1',
        orders: [{ orderNo: 'O1' }, { orderNo: 'O2' }],
        ebpCode: 'x',
      }),
      '',
      '{not json',
      JSON.stringify({ orders: [] }),
    ].join('\n');
    assert.deepEqual(readPaymentsFile(text), {
      payments: [{ payTransactionId: 'P1', orderNos: ['O1', 'O2'] }],
      skipped: [
        { line: 3, why: 'not JSON' },
        { line: 4, why: 'needs payTransactionId and orders[].orderNo' },
      ],
    });
  });
});

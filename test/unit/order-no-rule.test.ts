import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallbackRejectedError } from '#core/clearance/errors.ts';
import { noticeToEvent } from '#core/clearance/notice.ts';
import { MalformedGrabError, ValidationError } from '#core/errors.ts';
import { parseGrabMessage } from '#core/grab-message.ts';
import { parseGrabRequest } from '#core/protocol/grab-request.ts';
import { parsePayment } from '#core/protocol/payment.ts';
import { clearanceNotice } from '#local/demo-clearance.ts';
import { makePayment } from '#test/helpers/payments.ts';

/**
 * One orderNo rule wherever an order's number arrives: 1 to 60 characters, counted as customs counts
 * them (code points: an astral CJK character is one), and no half of a surrogate pair.
 */
const NOW = 1_795_300_000_000;
const ASTRAL = '𠮷';
const ENTRY_POINTS: [string, (orderNo: string) => string, (e: unknown) => boolean][] = [
  [
    'a payment being loaded',
    (orderNo) => parsePayment(makePayment({}, [orderNo])).orders[0]?.orderNo ?? '',
    (e) => e instanceof ValidationError,
  ],
  [
    "customs' grab",
    (orderNo) =>
      parseGrabRequest({
        contentType: 'application/json',
        body: JSON.stringify({ sessionID: 'S-1', orderNo }),
      }).orderNo,
    (e) => e instanceof MalformedGrabError && e.code === '20005',
  ],
  [
    'a clearance notice',
    (orderNo) =>
      noticeToEvent(clearanceNotice({ orderNo, status: 1, at: NOW, idempotent: 'k-1' }), NOW).orderNo ?? '',
    (e) => e instanceof CallbackRejectedError,
  ],
  [
    'a queued grab message',
    (orderNo) => parseGrabMessage(JSON.stringify({ sessionID: 'S-1', orderNo, receivedAt: NOW })).orderNo,
    (e) => e instanceof Error,
  ],
];

describe('the one orderNo rule', () => {
  for (const [where, read, refused] of ENTRY_POINTS) {
    it(`holds for ${where}`, () => {
      assert.equal(read(ASTRAL.repeat(60)), ASTRAL.repeat(60), '60 astral characters (120 UTF-16 units) fit');
      assert.equal(read('订单-SO-1'), '订单-SO-1');
      for (const bad of [ASTRAL.repeat(61), 'O'.repeat(61), '', 'SO\ud800']) {
        assert.throws(() => read(bad), refused, `refuses ${JSON.stringify(bad).slice(0, 20)}`);
      }
    });
  }
});

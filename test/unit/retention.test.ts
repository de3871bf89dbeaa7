import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiresAfter, orderExpiresAt, paymentExpiresAt, tradingTimeMs } from '#core/retention.ts';
import { MIN_PROD_RETENTION_DAYS, RETENTION_DAYS } from '#core/settings.ts';

/** Epoch seconds of a Beijing wall-clock time (UTC+8, no daylight saving). */
const beijing = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) =>
  Date.UTC(y, mo - 1, d, h - 8, mi, s) / 1000;

describe('retention: when payments, sessions and clearance timelines expire', () => {
  it('reads tradingTime as Beijing time: 20:00 on 31 Dec in Beijing is noon UTC, the same day', () => {
    assert.equal(tradingTimeMs('20261231200000'), Date.UTC(2026, 11, 31, 12, 0, 0));
    // just after midnight in Beijing is still the day before in UTC
    assert.equal(tradingTimeMs('20270101000500'), Date.UTC(2026, 11, 31, 16, 5, 0));
  });

  it('a payment expires RETENTION_DAYS after its tradingTime, to the second', () => {
    const expires = paymentExpiresAt({ tradingTime: '20260610093000' }, RETENTION_DAYS);
    assert.equal(expires, beijing(2026, 6, 10, 9, 30) + RETENTION_DAYS * 86_400);
    // 2026-06-10 + 1096 days: 2029-06-10 spans 2028-02-29, so exactly three calendar years
    assert.equal(expires, beijing(2029, 6, 10, 9, 30));
  });

  it('the default is never less than three calendar years, whichever days the three years span', () => {
    // every Beijing day across a whole leap cycle, leap days included
    for (let day = Date.UTC(2027, 0, 1); day < Date.UTC(2031, 0, 1); day += 86_400_000) {
      const d = new Date(day);
      const [y, mo, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
      const tradingTime = `${y}${String(mo).padStart(2, '0')}${String(dd).padStart(2, '0')}235959`;
      const expires = paymentExpiresAt({ tradingTime }, RETENTION_DAYS);
      // the same Beijing date three years on (29 Feb -> 1 Mar in a common year)
      const threeYears = new Date(Date.UTC(y + 3, mo - 1, dd, 23 - 8, 59, 59)).getTime() / 1000;
      assert.ok(expires >= threeYears, `${tradingTime}: expires ${expires} before ${threeYears}`);
      assert.ok(expires - threeYears <= 86_400, `${tradingTime}: kept more than a day over three years`);
    }
  });

  it('three common years (1095 days) fall a day short when they span a 29 February: the floor is 1096', () => {
    const trade = { tradingTime: '20270301120000' };
    assert.ok(paymentExpiresAt(trade, 3 * 365) < beijing(2030, 3, 1, 12));
    assert.equal(paymentExpiresAt(trade, MIN_PROD_RETENTION_DAYS), beijing(2030, 3, 1, 12));
    assert.equal(MIN_PROD_RETENTION_DAYS, 1096);
  });

  it('a leap-day trade is kept to 1 March three years on', () => {
    assert.equal(paymentExpiresAt({ tradingTime: '20280229080000' }, RETENTION_DAYS), beijing(2031, 3, 1, 8));
  });

  it("an order's items follow its payment when known, else the time they were received", () => {
    const receivedAt = Date.UTC(2026, 5, 12, 3, 0, 0, 250);
    assert.equal(
      orderExpiresAt({ tradingTime: '20260610093000' }, receivedAt, 30),
      beijing(2026, 6, 10, 9, 30) + 30 * 86_400,
    );
    // no payment: from the receipt, rounded up to the second (TTL is in seconds; never early)
    assert.equal(orderExpiresAt(undefined, receivedAt, 30), Math.ceil(receivedAt / 1000) + 30 * 86_400);
    assert.equal(expiresAfter(1_000, 1), 86_401);
  });

  it('refuses a tradingTime that is not yyyyMMddHHmmss (never writes a wrong expiry)', () => {
    assert.throws(() => tradingTimeMs('2026-06-10 09:30'), /not yyyyMMddHHmmss/);
    assert.throws(() => tradingTimeMs('20260230120000'), /not yyyyMMddHHmmss/);
  });
});

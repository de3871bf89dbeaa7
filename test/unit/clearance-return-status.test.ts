import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeNotice, describeReturnStatus } from '#core/clearance/return-status.ts';

describe('what a returnStatus means', () => {
  it('maps every returnStatus of docs/protocol.md §7 to a state', () => {
    const expected: Record<number, string> = {
      1: 'declared',
      2: 'declared',
      3: 'declared',
      4: 'error',
      100: 'rejected',
      120: 'accepted',
      300: 'review',
      399: 'concluded',
      500: 'inspection',
      501: 'held',
      502: 'held',
      503: 'held',
      599: 'held',
      700: 'returned',
      800: 'released',
      899: 'closed',
    };
    for (const [code, state] of Object.entries(expected)) {
      const m = describeReturnStatus(Number(code));
      assert.equal(m.state, state, `returnStatus ${code}`);
      assert.equal(m.code, code);
      assert.ok(m.meaning.length > 0);
    }
    assert.match(describeReturnStatus(800).meaning, /放行 released/);
  });

  it('reads a negative returnStatus as a processing error, and a code it does not know as unknown', () => {
    assert.equal(describeReturnStatus(-301010).state, 'error');
    assert.equal(describeReturnStatus(-1).code, '-1');
    assert.equal(describeReturnStatus(250).state, 'unknown');
  });

  it("reads the clearance party's notice: started, released (000...), failed (100...)", () => {
    assert.equal(describeNotice(1, undefined).state, 'declared');
    assert.equal(describeNotice(2, '0000').state, 'released');
    assert.equal(describeNotice(2, '000').state, 'released');
    assert.equal(describeNotice(2, '1001').state, 'rejected');
    assert.equal(describeNotice(2, '1001').code, '2/1001');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '#core/session.ts';
import { describeOrder } from '../../cli/commands/status.ts';

/** `ceb-grab status` tells an upload customs confirmed from one inferred from its 入库失败 to a retry. */
const uploaded = (change: Partial<Session>): Session => ({
  sessionID: 'ab1234-statuss1-00000001',
  orderNo: 'SO-T-0002',
  state: 'uploaded',
  receivedAt: 1_000,
  updatedAt: 2_000,
  attempts: 2,
  customsCode: '20000',
  customsMessage: '入库失败：sessionID 已上传',
  ...change,
});
const text = (s: Session) =>
  describeOrder({
    orderNo: s.orderNo,
    sessions: [s],
    payment: null,
    clearance: { state: 'none', current: null, timeline: [] },
    notes: [],
  });

describe('ceb-grab status', () => {
  it('says an upload was inferred, with customs words as they were', () => {
    const out = text(uploaded({ inferred: true }));
    assert.match(out, /UPLOADED/);
    assert.match(out, /customs replied 20000 入库失败：sessionID 已上传/);
    assert.match(out, /inferred: an earlier try whose reply was lost reached customs/);
  });

  it('says nothing of the kind for an upload customs answered 10000', () => {
    const out = text(uploaded({ customsCode: '10000', customsMessage: '上传成功' }));
    assert.doesNotMatch(out, /inferred:/);
  });
});

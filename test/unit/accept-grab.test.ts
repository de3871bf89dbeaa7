import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STUCK_QUEUED_AFTER_MS } from '#core/settings.ts';
import { acceptGrab, GrabNotQueuedError } from '#core/use-cases/accept-grab.ts';
import { fixedClock, MemoryQueue, MemorySessionStore } from '#test/helpers/fakes.ts';

const grab = { sessionID: 'fe2374-8fnejf97-32839218', orderNo: 'SO-1', serviceTime: 1533271903898 };

describe('accepting a grab', () => {
  it('records and queues a new sessionID once, however often customs repeats it', async () => {
    const deps = { sessions: new MemorySessionStore(), queue: new MemoryQueue(), clock: fixedClock() };
    assert.equal((await acceptGrab(grab, deps)).status, 'queued');
    assert.equal((await acceptGrab(grab, deps)).status, 'duplicate');
    assert.equal(deps.queue.sent.length, 1);
    assert.equal((await deps.sessions.get(grab.sessionID))?.state, 'queued');
  });

  it('records a grab it could not queue as received, and queues it when customs sends it again', async () => {
    const deps = { sessions: new MemorySessionStore(), queue: new MemoryQueue(), clock: fixedClock() };
    deps.queue.failNext = 1;
    await assert.rejects(acceptGrab(grab, deps), GrabNotQueuedError);
    const s = await deps.sessions.get(grab.sessionID);
    assert.equal(s?.state, 'received');
    assert.match(s?.error ?? '', /could not queue/);
    assert.equal((await acceptGrab(grab, deps)).status, 'requeued');
    assert.equal(deps.queue.sent.length, 1);
    assert.equal((await deps.sessions.get(grab.sessionID))?.state, 'queued');
  });

  it('records a grab received before it sends it, and queued only once the queue took it', async () => {
    const deps = { sessions: new MemorySessionStore(), queue: new MemoryQueue(), clock: fixedClock() };
    const create = deps.sessions.create.bind(deps.sessions);
    let stateWhenSent: string | undefined;
    deps.sessions.create = async (g) => {
      const out = await create(g);
      const send = deps.queue.send.bind(deps.queue);
      deps.queue.send = async (m) => {
        stateWhenSent = (await deps.sessions.get(m.sessionID))?.state;
        return send(m);
      };
      return out;
    };
    await acceptGrab(grab, deps);
    assert.equal(stateWhenSent, 'received');
    assert.equal((await deps.sessions.get(grab.sessionID))?.state, 'queued');
  });

  it('queues again a session queued long ago that no worker ever claimed, when customs repeats it', async () => {
    const deps = { sessions: new MemorySessionStore(), queue: new MemoryQueue(), clock: fixedClock() };
    await acceptGrab(grab, deps);
    deps.clock.advance(STUCK_QUEUED_AFTER_MS - 1);
    assert.equal((await acceptGrab(grab, deps)).status, 'duplicate', 'waiting its turn is not stuck');
    deps.clock.advance(1);
    assert.equal((await acceptGrab(grab, deps)).status, 'requeued');
    assert.equal((await acceptGrab(grab, deps)).status, 'duplicate', 'and stamped, so not sent twice');
    assert.equal(deps.queue.sent.length, 2);
  });

  it('notices a repeated sessionID that names another order', async () => {
    const deps = { sessions: new MemorySessionStore(), queue: new MemoryQueue(), clock: fixedClock() };
    await acceptGrab(grab, deps);
    const again = await acceptGrab({ ...grab, orderNo: 'SO-2' }, deps);
    assert.deepEqual(again, { status: 'duplicate', state: 'queued', orderNoDiffers: true });
  });
});

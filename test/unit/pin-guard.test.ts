import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryPinHoldStore, PinGuard } from '#adapters/signers/pin-guard.ts';
import { SignerSuspectPinError, SignerUnavailableError } from '#core/errors.ts';

/**
 * The PIN guard with a fake clock and a card whose PIN is right or wrong: what counts is how many
 * times the card is presented a wrong PIN (real cards lock after a few) and that signing resumes.
 */
const COOL_DOWN = 60_000;

function setup(store = memoryPinHoldStore()) {
  const clock = { t: 1_000_000, now: () => clock.t };
  const card = { pinRight: false, presented: 0, wrongPresented: 0 };
  const holds: string[] = [];
  const guard = new PinGuard({
    signerId: 'https://proxy.example',
    coolDownMs: COOL_DOWN,
    recheckMs: 0,
    store,
    clock,
    onHold: (reason) => holds.push(reason),
  });
  const present = async () => {
    card.presented += 1;
    if (card.pinRight) return 'signed';
    card.wrongPresented += 1;
    throw new SignerSuspectPinError('code 500: 加签失败');
  };
  const sign = () => guard.run(present);
  const attempt = () =>
    sign().then(
      (r) => r,
      (e: unknown) => e,
    );
  return { clock, card, holds, guard, sign, attempt, store };
}

describe('PinGuard', () => {
  it('after a failure that could be a wrong PIN, refuses as SIGNER_SUSPECT_PIN without presenting the card', async () => {
    const { card, holds, attempt } = setup();
    for (let i = 0; i < 5; i++) {
      const e = await attempt();
      assert.ok(e instanceof SignerSuspectPinError, String(e));
      assert.equal(e.retryable, true);
      assert.match(e.message, /^SIGNER_SUSPECT_PIN: /);
    }
    assert.equal(card.wrongPresented, 1);
    assert.equal(holds.length, 1, 'one hold: one metric');
    const held = await attempt();
    assert.match(
      (held as Error).message,
      /not presented its PIN since .*tried once more in 60 s, or when an operator runs `ceb-grab signer-reset`/,
    );
  });

  it('after the cool-down one probe goes through; when it signs, signing goes on', async () => {
    const { clock, card, attempt } = setup();
    await attempt();
    card.pinRight = true; // the operator fixed it at the proxy, and said nothing
    clock.t += COOL_DOWN - 1;
    assert.ok((await attempt()) instanceof SignerSuspectPinError);
    clock.t += 1;
    assert.equal(await attempt(), 'signed');
    assert.equal(await attempt(), 'signed');
    assert.deepEqual([card.presented, card.wrongPresented], [3, 1]);
  });

  it('a probe that fails holds until an operator acts: a wrong PIN is presented twice at most, however long', async () => {
    const { clock, card, attempt, store } = setup();
    await attempt();
    for (let hour = 0; hour < 24; hour++) {
      clock.t += 60 * 60_000;
      for (let i = 0; i < 3; i++) assert.ok((await attempt()) instanceof SignerSuspectPinError);
    }
    assert.equal(card.wrongPresented, 2, 'the failure and one probe: the card does not lock');
    assert.match(
      ((await attempt()) as Error).message,
      /held until an operator checks the PIN and runs `ceb-grab signer-reset`/,
    );
    // The operator fixes the PIN and clears the hold: one probe, which signs.
    card.pinRight = true;
    await store.clear('https://proxy.example', clock.now());
    assert.equal(await attempt(), 'signed');
    assert.equal(card.wrongPresented, 2);
  });

  it('a clear with the PIN still wrong presents it once more, then holds again', async () => {
    const { clock, card, attempt, store } = setup();
    await attempt();
    await store.clear('https://proxy.example', clock.now());
    for (let i = 0; i < 4; i++) assert.ok((await attempt()) instanceof SignerSuspectPinError);
    assert.equal(card.wrongPresented, 2, 'once per operator action');
  });

  it('two containers sharing the holds: a clear lets one of them probe, not both', async () => {
    const store = memoryPinHoldStore();
    const a = setup(store);
    const b = setup(store);
    b.clock.t = a.clock.t;
    await a.attempt();
    await b.attempt(); // b was signing too when the PIN went wrong: it holds after its own failure
    await store.clear('https://proxy.example', a.clock.now());
    const outcomes = await Promise.all([a.attempt(), b.attempt()]);
    assert.equal(outcomes.filter((o) => o instanceof SignerSuspectPinError).length, 2);
    assert.equal(a.card.wrongPresented + b.card.wrongPresented, 3, 'two failures and one probe');
  });

  it('other failures do not hold the card: a busy proxy is tried again at once', async () => {
    const guard = new PinGuard({ signerId: 'x', clock: { now: () => 0 } });
    let calls = 0;
    const busy = () =>
      guard.run(async () => {
        calls += 1;
        throw new SignerUnavailableError('HTTP 502');
      });
    await assert.rejects(busy(), SignerUnavailableError);
    await assert.rejects(busy(), (e: Error) => !(e instanceof SignerSuspectPinError));
    assert.equal(calls, 2);
  });
});

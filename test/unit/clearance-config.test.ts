import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StaticPartnerSecrets } from '#adapters/partner-secrets.ts';
import { ConfigError } from '#core/errors.ts';
import { clearanceCallbackConfig, orderStatusConfig } from '#functions/config-clearance.ts';

const SECRET = 'a-long-enough-partner-secret';

describe('configuring the clearance functions', () => {
  it('takes the partner secrets from Secrets Manager or the environment, with defaults', () => {
    const c = clearanceCallbackConfig({
      CLEARANCE_TABLE: 't',
      CALLBACK_PARTNER_SECRETS_SECRET_ID: 'arn:secret',
    });
    assert.deepEqual(c.partnerSecrets, { CALLBACK_PARTNER_SECRETS_SECRET_ID: 'arn:secret' });
    assert.equal(c.CALLBACK_MAX_BODY_BYTES, 65536);
    assert.equal(c.CALLBACK_SIGNATURE_WINDOW_MS, 300_000);
    // SSM is not read (its client would add about 80 KB to the bundle): said, not ignored.
    assert.throws(
      () => clearanceCallbackConfig({ CLEARANCE_TABLE: 't', CALLBACK_PARTNER_SECRETS_PARAMETER: '/p' }),
      (e) => e instanceof ConfigError && /no longer read.*CALLBACK_PARTNER_SECRETS_SECRET_ID/.test(e.message),
    );
  });

  it('fails at cold start naming what is missing or ambiguous', () => {
    assert.throws(
      () => clearanceCallbackConfig({}),
      (e) =>
        e instanceof ConfigError &&
        /CLEARANCE_TABLE/.test(e.message) &&
        /CALLBACK_PARTNER_SECRETS/.test(e.message),
    );
    assert.throws(
      () =>
        clearanceCallbackConfig({
          CLEARANCE_TABLE: 't',
          CALLBACK_PARTNER_SECRETS: '{}',
          CALLBACK_PARTNER_SECRETS_SECRET_ID: 'x',
        }),
      /ambiguous/,
    );
    assert.throws(
      () => orderStatusConfig({ SESSIONS_TABLE: 's' }),
      /PAYMENTS_TABLE.*CLEARANCE_TABLE|CLEARANCE_TABLE/,
    );
  });

  it('refuses partner secrets that are not {"partner": "secret"} without ever echoing a secret', async () => {
    const secrets = new StaticPartnerSecrets(JSON.stringify({ 'broker-1': SECRET }));
    assert.equal(await secrets.secretFor('broker-1'), SECRET);
    assert.equal(await secrets.secretFor('broker-2'), undefined);
    for (const bad of [
      'not json',
      '{"broker-1": "short"}',
      '{"bad id!": "a-long-enough-partner-secret"}',
      '[1]',
    ]) {
      assert.throws(
        () => new StaticPartnerSecrets(bad),
        (e) => e instanceof ConfigError && !e.message.includes('short') && !e.message.includes(SECRET),
      );
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StaticPartnerSecrets } from '#adapters/partner-secrets.ts';
import { ConfigError } from '#core/errors.ts';
import * as settings from '#core/settings.ts';
import {
  clearanceCallbackConfig,
  grabRequestConfig,
  orderStatusConfig,
  paymentIntakeConfig,
  uploadWorkerConfig,
} from '#functions/config.ts';

const SECRET = 'a-long-enough-partner-secret';

const WORKER_ENV = {
  SESSIONS_TABLE: 's',
  PAYMENTS_TABLE: 'p',
  CUSTOMS_UPLOAD_URL: 'https://customs.example/realTimeDataUpload',
  SIGNER_KIND: 'soft',
  SOFT_SIGNER_KEY: 'key.pem',
  SOFT_SIGNER_CERT: 'cert.pem',
};

describe('configuring the upload worker', () => {
  it('defaults to the deployed timings and takes overrides', () => {
    const c = uploadWorkerConfig(WORKER_ENV);
    assert.equal(c.CUSTOMS_TIMEOUT_MS, 4_000);
    assert.equal(c.UPLOAD_TRIES, 2);
    assert.equal(c.UPLOAD_LEASE_MS, 25_000);
    assert.equal(c.MAX_RECEIVES, 5);
    assert.equal(c.CUSTOMS_TIMEOUT_MS, settings.CUSTOMS_TIMEOUT_MS);
    const tuned = uploadWorkerConfig({ ...WORKER_ENV, CUSTOMS_TIMEOUT_MS: '2500', UPLOAD_TRIES: '1' });
    assert.equal(tuned.CUSTOMS_TIMEOUT_MS, 2500);
    assert.equal(tuned.UPLOAD_TRIES, 1);
  });

  it('the HSM proxy defaults to one request 5 s and a 15-minute PIN cool-down, leaving concurrency to the signer', () => {
    const c = uploadWorkerConfig({
      ...WORKER_ENV,
      SIGNER_KIND: 'hsm-proxy',
      HSM_PROXY_URL: 'http://10.0.1.5:8400',
      HSM_PROXY_TOKEN: 'local-token',
      CERTIFICATES_TABLE: 'c',
    });
    assert.equal(c.signer.SIGNER_KIND, 'hsm-proxy');
    if (c.signer.SIGNER_KIND !== 'hsm-proxy') return;
    assert.equal(c.signer.HSM_PROXY_TIMEOUT_MS, 5_000);
    assert.equal(c.signer.HSM_PROXY_PIN_COOLDOWN_MS, 15 * 60_000);
    // unset: the signer allows 4 for our protocol and 1 for chinaport-data-signature
    assert.equal(c.signer.HSM_PROXY_MAX_CONCURRENT, undefined);
  });

  it('refuses zero, negative or fractional counts and timeouts, naming the variable', () => {
    for (const [name, value] of [
      ['UPLOAD_TRIES', '0'],
      ['CUSTOMS_TIMEOUT_MS', '-1'],
      ['UPLOAD_LEASE_MS', '1.5'],
      ['MAX_RECEIVES', 'five'],
    ] as const) {
      assert.throws(
        () => uploadWorkerConfig({ ...WORKER_ENV, [name]: value }),
        (e) => e instanceof ConfigError && e.message.includes(name),
        `${name}=${value}`,
      );
    }
  });

  it('refuses an HSM proxy concurrency of 0, and more than 1 for chinaport-data-signature', () => {
    const hsm = {
      ...WORKER_ENV,
      SIGNER_KIND: 'hsm-proxy',
      HSM_PROXY_URL: 'http://10.0.1.5:8400',
      HSM_PROXY_TOKEN: 'local-token',
      CERTIFICATES_TABLE: 'c',
    };
    assert.throws(
      () => uploadWorkerConfig({ ...hsm, HSM_PROXY_MAX_CONCURRENT: '0' }),
      (e) => e instanceof ConfigError && e.message.includes('HSM_PROXY_MAX_CONCURRENT'),
    );
    assert.throws(
      () =>
        uploadWorkerConfig({
          ...hsm,
          HSM_PROXY_PROTOCOL: 'chinaport-data-signature',
          HSM_PROXY_MAX_CONCURRENT: '2',
        }),
      (e) => e instanceof ConfigError && /one at a time/.test(e.message),
    );
  });

  it('names every missing variable at once', () => {
    assert.throws(
      () => grabRequestConfig({}),
      (e) => e instanceof ConfigError && /SESSIONS_TABLE/.test(e.message) && /GRAB_QUEUE_URL/.test(e.message),
    );
  });
});

describe('retention (RETENTION_DAYS)', () => {
  it('defaults to three years where sessions, payments and clearance events are written, and takes the stage value', () => {
    assert.equal(grabRequestConfig({ SESSIONS_TABLE: 's', GRAB_QUEUE_URL: 'q' }).RETENTION_DAYS, 1096);
    assert.equal(settings.RETENTION_DAYS, 1096);
    const intake = paymentIntakeConfig({ PAYMENTS_TABLE: 'p', CLEARANCE_TABLE: 'c', RETENTION_DAYS: '30' });
    assert.equal(intake.RETENTION_DAYS, 30);
    const callback = clearanceCallbackConfig({ CLEARANCE_TABLE: 't', CALLBACK_PARTNER_SECRETS: '{}' });
    assert.equal(callback.RETENTION_DAYS, 1096);
  });

  it('refuses a retention that is not whole days, and an intake with nowhere to put its copNo links', () => {
    assert.throws(
      () => grabRequestConfig({ SESSIONS_TABLE: 's', GRAB_QUEUE_URL: 'q', RETENTION_DAYS: '3y' }),
      /RETENTION_DAYS: must be a whole number/,
    );
    assert.throws(() => paymentIntakeConfig({ PAYMENTS_TABLE: 'p' }), /CLEARANCE_TABLE is not set/);
  });
});

describe('configuring the clearance functions', () => {
  it('takes the partner secrets from Secrets Manager or the environment, with defaults', () => {
    const c = clearanceCallbackConfig({
      CLEARANCE_TABLE: 't',
      CALLBACK_PARTNER_SECRETS_SECRET_ID: 'arn:secret',
    });
    assert.deepEqual(c.partnerSecrets, { CALLBACK_PARTNER_SECRETS_SECRET_ID: 'arn:secret' });
    assert.equal(c.CALLBACK_MAX_BODY_BYTES, 65536);
    assert.equal(c.CALLBACK_SIGNATURE_WINDOW_MS, 300_000);
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

  it('reads each partner as a bare HMAC secret or {secret, scheme, ebpCodes}', async () => {
    const secrets = new StaticPartnerSecrets(
      JSON.stringify({
        'broker-1': SECRET,
        'broker-2': { secret: SECRET, scheme: 'top' },
        'broker-3': { secret: SECRET, scheme: 'hmac', ebpCodes: ['46016602EV'] },
      }),
    );
    assert.deepEqual(await secrets.partnerFor('broker-1'), { secret: SECRET, scheme: 'hmac' });
    assert.deepEqual(await secrets.partnerFor('broker-2'), { secret: SECRET, scheme: 'top' });
    assert.deepEqual(await secrets.partnerFor('broker-3'), {
      secret: SECRET,
      scheme: 'hmac',
      ebpCodes: ['46016602EV'],
    });
    assert.equal(await secrets.partnerFor('broker-4'), undefined);
  });

  it('refuses partner secrets that are not {"partner": "secret" | {...}} without ever echoing a secret', async () => {
    const secrets = new StaticPartnerSecrets(JSON.stringify({ 'broker-1': SECRET }));
    assert.deepEqual(await secrets.partnerFor('broker-1'), { secret: SECRET, scheme: 'hmac' });
    assert.equal(await secrets.partnerFor('broker-2'), undefined);
    for (const bad of [
      'not json',
      '{"broker-1": "short"}',
      '{"bad id!": "a-long-enough-partner-secret"}',
      '[1]',
      '{"broker-1": {"secret": "short", "scheme": "top"}}',
      '{"broker-1": {"secret": "a-long-enough-partner-secret", "scheme": "oauth"}}',
      '{"broker-1": {"secret": "a-long-enough-partner-secret", "ebpCodes": []}}',
      '{"broker-1": {"secret": "a-long-enough-partner-secret", "extra": 1}}',
    ]) {
      assert.throws(
        () => new StaticPartnerSecrets(bad),
        (e) => e instanceof ConfigError && !e.message.includes('short') && !e.message.includes(SECRET),
      );
    }
  });
});

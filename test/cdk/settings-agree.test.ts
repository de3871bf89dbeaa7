import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DYNAMODB_BUDGET_MS,
  HSM_PROXY_MAX_CONCURRENT,
  UPLOAD_RETRY_MAX_MS,
  WORKER_BUDGET_MS,
} from '#core/settings.ts';
import {
  grabRequestConfig,
  paymentIntakeConfig,
  uploadWorkerConfig,
  uploadWorkerStartConfig,
} from '#functions/config.ts';
import { REPO_ROOT } from '../../lib/repo-root.ts';
import { logicalId } from './iam.ts';
import { synthesize } from './synth.ts';

/**
 * The README's configuration tables, the functions' config defaults and the synthesized stage state the
 * same timeouts, tries and lease: an operator reading any one of them learns what runs.
 */
const synth = synthesize({ bundle: false });
after(() => synth.cleanup());
const { stage, stateless, stateful } = synth;
const worker = stage.stateless.uploadWorker;
const workerProps = stateless.toJSON().Resources[logicalId(stage.stateless, worker)].Properties;
const workerEnv: Record<string, unknown> = workerProps.Environment.Variables;
const queueProps =
  stateful.toJSON().Resources[logicalId(stage.stateful, stage.stateful.grabQueue)].Properties;

/** Deployed as the worker's environment, so the template must carry them. */
const DEPLOYED = ['CUSTOMS_TIMEOUT_MS', 'UPLOAD_TRIES', 'MAX_RECEIVES', 'UPLOAD_LEASE_MS'] as const;
/** Left to the config default when deployed (the stage config has no say in them). */
const DEFAULTED = [
  'HSM_PROXY_TIMEOUT_MS',
  'HSM_PROXY_PIN_COOLDOWN_MS',
  'RETRY_BACKOFF_STEP_MS',
  'RETRY_BACKOFF_MAX_MS',
] as const;
/**
 * Unset in config, so the signer picks by protocol: the setting for the ceb-grab protocol, 1 for
 * chinaport-data-signature (which crosses overlapping requests).
 */
const SIGNER_DEFAULTED = { HSM_PROXY_MAX_CONCURRENT } as const;

/** `NAME` (digits) in a README table row: the documented default, with the row to name on drift. */
function readmeDefaults(): Map<string, { value: number; row: string }> {
  const rows = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('|'));
  const found = new Map<string, { value: number; row: string }>();
  for (const row of rows) {
    for (const m of row.matchAll(/`([A-Z][A-Z0-9_]+)` \((\d+)/g)) {
      const [, name, digits] = m;
      if (!name || !digits) continue;
      assert.ok(
        !found.has(name),
        `README states a default for ${name} twice:\n${found.get(name)?.row}\n${row}`,
      );
      found.set(name, { value: Number(digits), row: row.trim() });
    }
  }
  return found;
}

const configDefaults = uploadWorkerConfig({
  SESSIONS_TABLE: 's',
  PAYMENTS_TABLE: 'p',
  CUSTOMS_UPLOAD_URL: 'https://customs.example/realTimeDataUpload',
  SIGNER_KIND: 'hsm-proxy',
  HSM_PROXY_URL: 'http://10.0.1.5:8400',
  HSM_PROXY_TOKEN: 'local-only',
  CERTIFICATES_TABLE: 'c',
});
const startDefaults = uploadWorkerStartConfig({ SESSIONS_TABLE: 's' });
const configDefault = (name: string): unknown =>
  (configDefaults as unknown as Record<string, unknown>)[name] ??
  (startDefaults as unknown as Record<string, unknown>)[name] ??
  (configDefaults.signer as unknown as Record<string, unknown>)[name] ??
  (SIGNER_DEFAULTED as Record<string, number>)[name];

describe('README, config defaults and the synthesized stage agree', () => {
  const readme = readmeDefaults();

  for (const name of [...DEPLOYED, ...DEFAULTED, ...Object.keys(SIGNER_DEFAULTED)]) {
    it(`${name}`, () => {
      const documented =
        readme.get(name) ?? assert.fail(`the README's configuration table has no row for ${name}`);
      assert.equal(
        configDefault(name),
        documented.value,
        `functions/config.ts defaults ${name} to ${String(configDefault(name))}; the README row says:\n${documented.row}`,
      );
      const deployed = workerEnv[name];
      if ((DEPLOYED as readonly string[]).includes(name)) {
        assert.ok(deployed !== undefined, `the synthesized worker does not set ${name}`);
      }
      if (deployed !== undefined) {
        assert.equal(
          Number(deployed),
          documented.value,
          `the synthesized worker sets ${name}=${String(deployed)}; the README row says:\n${documented.row}`,
        );
      }
    });
  }

  it("RETENTION_DAYS: the README, the functions' default and the stage agree", () => {
    const documented =
      readme.get('RETENTION_DAYS') ??
      assert.fail("the README's configuration table has no row for RETENTION_DAYS");
    const defaults = [
      grabRequestConfig({ SESSIONS_TABLE: 's', GRAB_QUEUE_URL: 'q' }).RETENTION_DAYS,
      paymentIntakeConfig({ PAYMENTS_TABLE: 'p', CLEARANCE_TABLE: 'c' }).RETENTION_DAYS,
      uploadWorkerConfig({
        SESSIONS_TABLE: 's',
        PAYMENTS_TABLE: 'p',
        CUSTOMS_UPLOAD_URL: 'https://customs.invalid/',
        SOFT_SIGNER_KEY: 'k',
        SOFT_SIGNER_CERT: 'c',
      }).RETENTION_DAYS,
    ];
    assert.deepEqual(defaults, [documented.value, documented.value, documented.value], documented.row);
    const fns = [
      stage.stateless.grabRequest,
      stage.stateless.uploadWorker,
      stage.stateless.paymentIntake,
      stage.stateless.clearanceCallback,
    ];
    for (const fn of fns) {
      const env =
        stateless.toJSON().Resources[logicalId(stage.stateless, fn)].Properties.Environment.Variables;
      assert.equal(Number(env.RETENTION_DAYS), documented.value, `${fn.node.path}: ${documented.row}`);
    }
  });

  it("the queue redrives after the worker's MAX_RECEIVES", () => {
    assert.equal(queueProps.RedrivePolicy.maxReceiveCount, Number(workerEnv.MAX_RECEIVES));
  });

  it('the lease outlives one delivery, and the visibility timeout outlives the lease', () => {
    const workerTimeoutMs = Number(workerProps.Timeout) * 1000;
    const leaseMs = Number(workerEnv.UPLOAD_LEASE_MS);
    const visibilityMs = Number(queueProps.VisibilityTimeout) * 1000;
    const tries = Number(workerEnv.UPLOAD_TRIES);
    assert.ok(
      tries * Number(workerEnv.CUSTOMS_TIMEOUT_MS) < workerTimeoutMs,
      `${tries} customs tries do not fit the worker's ${workerTimeoutMs} ms`,
    );
    assert.ok(leaseMs > workerTimeoutMs, `lease ${leaseMs} ms <= worker timeout ${workerTimeoutMs} ms`);
    assert.ok(visibilityMs > leaseMs, `visibility ${visibilityMs} ms <= lease ${leaseMs} ms`);
    assert.ok(
      visibilityMs >= 6 * workerTimeoutMs,
      `visibility ${visibilityMs} ms < 6 × ${workerTimeoutMs} ms`,
    );
  });

  it("the worker's timeout covers the signer's timeout, every customs try and pause, and DynamoDB", () => {
    const workerTimeoutMs = Number(workerProps.Timeout) * 1000;
    const tries = Number(workerEnv.UPLOAD_TRIES);
    // the signer's timeout as the worker reads it (config default: the deployed value)
    const signerMs = Number(configDefault('HSM_PROXY_TIMEOUT_MS'));
    const worst =
      signerMs +
      tries * Number(workerEnv.CUSTOMS_TIMEOUT_MS) +
      (tries - 1) * UPLOAD_RETRY_MAX_MS +
      DYNAMODB_BUDGET_MS;
    assert.equal(worst, WORKER_BUDGET_MS);
    assert.ok(worst < workerTimeoutMs, `a delivery can take ${worst} ms of a ${workerTimeoutMs} ms worker`);
  });
});

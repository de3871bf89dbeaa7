import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { SignerSettings } from '../../lib/stage-config.ts';
import { workerEntry } from '../../lib/stateless-stack.ts';
import { grantsOf, logicalId, statementsOf } from './iam.ts';
import { type Synthesized, synthesize } from './synth.ts';

/** The HSM / Ukey proxy signer, with its token in each of the places a deployed stack may keep it. */
const TOKEN_KEY = 'arn:aws:kms:ap-east-1:123456789012:key/99999999-8888-7777-6666-555555555555';
const TOKEN_SECRET = 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:ceb-grab/hsm-token-AbC123';
const proxy = (token: Extract<SignerSettings, { kind: 'hsm-proxy' }>['token']): SignerSettings => ({
  kind: 'hsm-proxy',
  url: 'https://signer.internal.example:8443',
  protocol: 'chinaport-data-signature',
  token,
});
const variants = {
  'stack-secret': synthesize({ bundle: false, config: { signer: proxy({ source: 'stack-secret' }) } }),
  secret: synthesize({
    bundle: false,
    config: { signer: proxy({ source: 'secret', secretArn: TOKEN_SECRET, kmsKeyArn: TOKEN_KEY }) },
  }),
  parameter: synthesize({
    bundle: false,
    config: {
      signer: proxy({ source: 'parameter', parameterName: '/ceb-grab/test/hsm-token', kmsKeyArn: TOKEN_KEY }),
    },
  }),
};
after(() => {
  for (const s of Object.values(variants)) s.cleanup();
});

const worker = (s: Synthesized) => s.stage.stateless.uploadWorker;
const envOf = (s: Synthesized): Record<string, unknown> =>
  s.stateless.toJSON().Resources[logicalId(s.stage.stateless, worker(s))].Properties.Environment.Variables;
/** The worker's grants on anything but its tables and queue. */
const signerGrants = (s: Synthesized, names: Map<string, string>) =>
  grantsOf(
    s.stateless,
    s.stage.stateless,
    worker(s),
    (r) => names.get(JSON.stringify(r)) ?? JSON.stringify(r),
  ).filter((g) => !/^(dynamodb|sqs):/.test(g) && !g.endsWith(' data-key'));
const dataKeyName = (s: Synthesized) =>
  [JSON.stringify(s.imported(s.stage.stateful.dataKey.keyArn)), 'data-key'] as const;

describe('hsm-proxy signer', () => {
  for (const [source, s] of Object.entries(variants)) {
    it(`${source}: proxy URL and protocol set, never a plain token, no soft signer secret`, () => {
      const env = envOf(s);
      assert.equal(env.SIGNER_KIND, 'hsm-proxy');
      assert.equal(env.HSM_PROXY_URL, 'https://signer.internal.example:8443');
      assert.equal(env.HSM_PROXY_PROTOCOL, 'chinaport-data-signature');
      assert.equal(env.HSM_PROXY_TOKEN, undefined);
      assert.equal(env.SOFT_SIGNER_SECRET_ID, undefined);
      assert.equal(s.stage.stateful.signerMaterial.softSignerSecret, undefined);
      assert.ok(env.CERTIFICATES_TABLE, 'the proxy signer needs the certificate registry');
    });

    it(`${source}: cdk-nag finds nothing unsuppressed`, () => {
      assert.deepEqual(s.nagFindings(), []);
    });
  }

  it('the PIN guard: updates and deletes in the certificates table, only under #pin-hold# keys', () => {
    const s = variants['stack-secret'];
    const holds = statementsOf(s.stateless, s.stage.stateless, worker(s)).filter((st) =>
      JSON.stringify(st.Action).includes('dynamodb:DeleteItem'),
    );
    assert.equal(holds.length, 1, JSON.stringify(holds));
    const [statement] = holds;
    assert.deepEqual(statement?.Action, ['dynamodb:DeleteItem', 'dynamodb:UpdateItem']);
    assert.deepEqual(statement?.Resource, s.imported(s.stage.stateful.certificatesTable.tableArn));
    assert.deepEqual(statement?.Condition, {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['#pin-hold#*'] },
    });
  });

  it('stack-secret: the stack makes the token secret under the secrets key; the worker reads exactly it', () => {
    const s = variants['stack-secret'];
    const { hsmProxyTokenSecret } = s.stage.stateful.signerMaterial;
    const secret = hsmProxyTokenSecret ?? assert.fail('no token secret made');
    const resource = s.stateful.toJSON().Resources[logicalId(s.stage.stateful, secret)];
    assert.deepEqual(resource.Properties.KmsKeyId, {
      'Fn::GetAtt': [logicalId(s.stage.stateful, s.stage.stateful.secretsKey), 'Arn'],
    });
    assert.deepEqual(envOf(s).HSM_PROXY_TOKEN_SECRET_ID, s.imported(secret.secretArn));
    const names = new Map([
      dataKeyName(s),
      [JSON.stringify(s.imported(secret.secretArn)), 'token-secret'],
      [JSON.stringify(s.imported(s.stage.stateful.secretsKey.keyArn)), 'secrets-key'],
    ]);
    assert.deepEqual(signerGrants(s, names), [
      'kms:Decrypt secrets-key',
      'secretsmanager:GetSecretValue token-secret',
    ]);
  });

  it('secret: an existing secret, read with GetSecretValue and decrypted with its own key only', () => {
    const s = variants.secret;
    assert.equal(envOf(s).HSM_PROXY_TOKEN_SECRET_ID, TOKEN_SECRET);
    assert.deepEqual(signerGrants(s, new Map([dataKeyName(s)])), [
      `kms:Decrypt "${TOKEN_KEY}"`,
      `secretsmanager:GetSecretValue "${TOKEN_SECRET}"`,
    ]);
  });

  it('parameter: an SSM SecureString, GetParameter on exactly that parameter, Decrypt with its key', () => {
    const s = variants.parameter;
    assert.equal(envOf(s).HSM_PROXY_TOKEN_PARAMETER, '/ceb-grab/test/hsm-token');
    assert.equal(envOf(s).HSM_PROXY_TOKEN_SECRET_ID, undefined);
    const parameterArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ssm:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':parameter/ceb-grab/test/hsm-token',
        ],
      ],
    };
    const names = new Map([dataKeyName(s), [JSON.stringify(parameterArn), 'the-parameter']]);
    assert.deepEqual(signerGrants(s, names), [
      `kms:Decrypt "${TOKEN_KEY}"`,
      'ssm:GetParameter the-parameter',
    ]);
  });
});

describe('worker entry', () => {
  it('one per signer (and the proxy token’s store), so a bundle holds only that signer’s SDK clients', () => {
    const entries = {
      soft: workerEntry({ kind: 'soft' }),
      kms: workerEntry({ kind: 'kms', createSm2Key: false, keyArns: [] }),
      'stack-secret': workerEntry(proxy({ source: 'stack-secret' })),
      secret: workerEntry(proxy({ source: 'secret', secretArn: TOKEN_SECRET })),
      parameter: workerEntry(proxy({ source: 'parameter', parameterName: '/t' })),
    };
    assert.deepEqual(entries, {
      soft: 'functions/upload-worker/handler-soft.ts',
      kms: 'functions/upload-worker/handler-kms.ts',
      'stack-secret': 'functions/upload-worker/handler-hsm-proxy-secret.ts',
      secret: 'functions/upload-worker/handler-hsm-proxy-secret.ts',
      parameter: 'functions/upload-worker/handler-hsm-proxy-parameter.ts',
    });
    for (const entry of Object.values(entries)) assert.ok(existsSync(entry), entry);
  });
});

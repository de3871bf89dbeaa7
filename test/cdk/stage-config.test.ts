import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RETENTION_DAYS } from '#core/settings.ts';
import { STAGES, type StageConfig, stageConfigFromContext } from '../../lib/stage-config.ts';
import { validateStageConfig } from '../../lib/stage-config-schema.ts';
import { synthesize } from './synth.ts';

const configFor = (context: Record<string, unknown>) => stageConfigFromContext(new App({ context }).node);
const problemsOf = (change: Partial<StageConfig>) => validateStageConfig({ ...STAGES.test, ...change });

describe('stage selection (-c stage=..., and per-run overrides)', () => {
  it('defaults to test, which uploads to the customs test endpoint', () => {
    const config = configFor({});
    assert.equal(config.stage, 'test');
    assert.equal(
      config.customsUploadUrl,
      'https://swapptest.singlewindow.cn/ceb2grab/grab/realTimeDataUpload',
    );
  });

  it('prod uploads to the customs production endpoint and keeps logs longer', () => {
    const config = configFor({ stage: 'prod' });
    assert.equal(
      config.customsUploadUrl,
      'https://customs.chinaport.gov.cn/ceb2grab/grab/realTimeDataUpload',
    );
    assert.equal(config.logRetention, RetentionDays.SIX_MONTHS);
  });

  it('customsUrl overrides the endpoint and nothing else', () => {
    const config = configFor({
      stage: 'test',
      customsUrl: 'https://10.0.0.5:8443/ceb2grab/grab/realTimeDataUpload',
    });
    assert.deepEqual(config, {
      ...STAGES.test,
      customsUploadUrl: 'https://10.0.0.5:8443/ceb2grab/grab/realTimeDataUpload',
    });
  });

  it('region, customs source ranges, alarm e-mails and the front can be set per run', () => {
    const config = configFor({
      stage: 'prod',
      region: 'cn-northwest-1',
      customsSourceRanges: '203.0.113.0/24, 198.51.100.7/32',
      alarmEmail: 'oncall@example.com',
      plainHttpFront: 'true',
    });
    assert.equal(config.region, 'cn-northwest-1');
    assert.deepEqual(config.customsSourceRanges, ['203.0.113.0/24', '198.51.100.7/32']);
    assert.deepEqual(config.alarms.emails, ['oncall@example.com']);
    assert.equal(config.plainHttpFront, true);
  });

  it('refuses an unknown stage, or a bad override, naming the problem', () => {
    assert.throws(() => configFor({ stage: 'staging' }), /unknown stage "staging".*test\|prod/);
    assert.throws(
      () => configFor({ customsUrl: 'swapptest.singlewindow.cn' }),
      /customsUrl must be an absolute URL/,
    );
    assert.throws(
      () => configFor({ customsSourceRanges: '203.0.113.0' }),
      /"203.0.113.0" is not a CIDR range/,
    );
    assert.throws(() => configFor({ alarmEmail: 'oncall' }), /"oncall" is not an e-mail address/);
    assert.throws(() => configFor({ region: 'Beijing' }), /region "Beijing" is not a region/);
  });
});

describe('stage settings are checked before anything is built', () => {
  it('both shipped stages are valid', () => {
    assert.deepEqual(validateStageConfig(STAGES.test), []);
    assert.deepEqual(validateStageConfig(STAGES.prod), []);
  });

  it('an SM2 key can only be made in the China regions, and the KMS signer needs some key', () => {
    assert.deepEqual(
      problemsOf({ region: 'ap-east-1', signer: { kind: 'kms', createSm2Key: true, keyArns: [] } }),
      ['KMS has SM2 keys in the China regions only, not in ap-east-1'],
    );
    assert.deepEqual(
      problemsOf({ region: 'cn-north-1', signer: { kind: 'kms', createSm2Key: true, keyArns: [] } }),
      [],
    );
    assert.match(
      problemsOf({ signer: { kind: 'kms', createSm2Key: false, keyArns: [] } }).join(),
      /needs createSm2Key or/,
    );
    assert.match(
      problemsOf({ signer: { kind: 'kms', createSm2Key: false, keyArns: ['alias/ceb'] } }).join(),
      /"alias\/ceb" is not a KMS key ARN/,
    );
  });

  it('refuses to upload payment data to customs over plain http', () => {
    assert.deepEqual(
      problemsOf({ customsUploadUrl: 'http://customs.chinaport.gov.cn/ceb2grab/grab/realTimeDataUpload' }),
      ['customsUploadUrl must be an absolute https URL'],
    );
  });

  it('the proxy token must be a full secret ARN or a parameter name; the proxy URL a URL', () => {
    const problems = problemsOf({
      signer: {
        kind: 'hsm-proxy',
        url: 'signer:8443',
        protocol: 'ceb-grab',
        token: { source: 'secret', secretArn: 'ceb-grab/hsm-token' },
      },
    });
    assert.deepEqual(problems, [
      'signer.url must be an absolute http(s) URL',
      'signer.token.secretArn must be the full ARN of a secret (ending in -xxxxxx)',
    ]);
  });

  it('the proxy URL is https, unless the worker is placed on a private network (workerNetwork)', () => {
    const signer = {
      kind: 'hsm-proxy',
      url: 'http://10.0.1.5:8400',
      protocol: 'chinaport-data-signature',
      token: { source: 'stack-secret' },
    } as const;
    assert.deepEqual(problemsOf({ signer }), [
      'signer.url must be https (`ceb-grab signer --tls-cert/--tls-key`) unless workerNetwork puts the worker on the private network of the proxy',
    ]);
    assert.deepEqual(problemsOf({ signer: { ...signer, url: 'https://signer.internal.example:8443' } }), []);
    const workerNetwork = {
      vpcId: 'vpc-0a1b2c3d',
      subnetIds: ['subnet-0a1b2c3d'],
      securityGroupIds: ['sg-0a1b2c3d'],
    };
    assert.deepEqual(problemsOf({ signer, workerNetwork }), []);
  });

  it('the worker network takes real vpc-, subnet- and sg- ids', () => {
    assert.deepEqual(
      problemsOf({ workerNetwork: { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-1'], securityGroupIds: [] } }),
      [
        'workerNetwork needs at least one subnet id and one security group id',
        'workerNetwork: "subnet-1" is not a vpc-, subnet- or sg- id',
      ],
    );
  });

  it('a stage may set the workers at once within what Lambda allows (2…1000)', () => {
    for (const workerMaxConcurrency of [1, 1001, 2.5]) {
      assert.match(
        validateStageConfig({ ...STAGES.test, workerMaxConcurrency }).join('; '),
        /workerMaxConcurrency must be a whole number from 2 to 1000/,
      );
    }
    assert.deepEqual(validateStageConfig({ ...STAGES.test, workerMaxConcurrency: 2 }), []);
  });

  it('the front checks IPv4 ranges only', () => {
    assert.match(
      problemsOf({ plainHttpFront: true, customsSourceRanges: ['2001:db8::/32'] }).join(),
      /IPv4 ranges only/,
    );
  });
});

describe('retention (E-Commerce Law art. 31: at least three years)', () => {
  it('both stages keep three years by default, never less than three calendar years', () => {
    for (const stage of Object.values(STAGES)) {
      assert.equal(stage.retentionDays, RETENTION_DAYS, stage.stage);
      // three years hold at most one 29 February
      assert.ok(stage.retentionDays >= 3 * 365 + 1, stage.stage);
    }
  });

  it('a prod stage that keeps less than three years is refused at synth, saying why', () => {
    const short = { ...STAGES.prod, retentionDays: 3 * 365 };
    assert.match(
      validateStageConfig(short).join(),
      /retentionDays 1095 is less than three years \(1096 days\): China's E-Commerce Law art\. 31/,
    );
    // whatever built the config, the stateful stack refuses it
    assert.throws(
      () => synthesize({ bundle: false, context: { stage: 'prod' }, config: { retentionDays: 365 } }),
      /stage prod: retentionDays 365 is less than three years/,
    );
  });

  it('-c retentionDays=N sets it per run, under the same rule', () => {
    assert.equal(configFor({ stage: 'test', retentionDays: '30' }).retentionDays, 30);
    assert.equal(configFor({ stage: 'prod', retentionDays: '2000' }).retentionDays, 2000);
    assert.throws(
      () => configFor({ stage: 'prod', retentionDays: '365' }),
      /stage prod: retentionDays 365 is less than three years/,
    );
    assert.throws(
      () => configFor({ retentionDays: 'three years' }),
      /retentionDays must be a whole number of days/,
    );
  });

  it('a test stage may keep less (a throwaway stage), but whole days only', () => {
    assert.deepEqual(problemsOf({ retentionDays: 30 }), []);
    assert.match(problemsOf({ retentionDays: 0 }).join(), /retentionDays must be a whole number of days/);
    assert.match(problemsOf({ retentionDays: 1.5 }).join(), /retentionDays must be a whole number of days/);
  });
});

describe('prod synthesizes', () => {
  it('as its own pair of stacks, environment-agnostic, worker pointed at production, nag-clean', () => {
    // Skip bundling here: the stateless tests bundle; this one is about wiring the stage through.
    const synth = synthesize({ bundle: false, context: { stage: 'prod' } });
    try {
      assert.equal(synth.stage.stateful.stackName, 'CebGrab-prod-Stateful');
      assert.equal(synth.stage.stateless.stackName, 'CebGrab-prod-Stateless');
      assert.ok(
        Token.isUnresolved(synth.stage.stateless.region),
        'no region pinned unless the stage says so',
      );
      synth.stateless.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { CUSTOMS_UPLOAD_URL: STAGES.prod.customsUploadUrl } },
      });
      synth.stateless.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
      assert.deepEqual(synth.nagFindings(), []);
    } finally {
      synth.cleanup();
    }
  });
});

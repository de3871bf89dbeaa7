import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { STAGES, stageConfigFromContext } from '../../lib/stage-config.ts';
import { synthesize } from './synth.ts';

const configFor = (context: Record<string, unknown>) => stageConfigFromContext(new App({ context }).node);

describe('stage selection (-c stage=..., -c customsUrl=...)', () => {
  it('defaults to test, which uploads to the customs test endpoint', () => {
    const config = configFor({});
    assert.equal(config.stage, 'test');
    assert.equal(
      config.customsUploadUrl,
      'https://swapptest.singlewindow.cn/ceb2grab/grab/realTimeDataUpload',
    );
  });

  it('prod uploads to the customs production endpoint', () => {
    assert.equal(
      configFor({ stage: 'prod' }).customsUploadUrl,
      'https://customs.chinaport.gov.cn/ceb2grab/grab/realTimeDataUpload',
    );
  });

  it('customsUrl overrides the endpoint and nothing else', () => {
    const config = configFor({
      stage: 'test',
      customsUrl: 'http://10.0.0.5:8080/ceb2grab/grab/realTimeDataUpload',
    });
    assert.deepEqual(config, {
      ...STAGES.test,
      customsUploadUrl: 'http://10.0.0.5:8080/ceb2grab/grab/realTimeDataUpload',
    });
  });

  it('refuses an unknown stage or a customsUrl that is not a URL, naming the problem', () => {
    assert.throws(() => configFor({ stage: 'staging' }), /unknown stage "staging".*test\|prod/);
    assert.throws(
      () => configFor({ customsUrl: 'swapptest.singlewindow.cn' }),
      /customsUrl must be an absolute URL/,
    );
  });

  it('prod synthesizes as its own pair of stacks, its worker pointed at production', () => {
    // Skip bundling here: the stateless tests bundle; this one is about wiring the stage through.
    const synth = synthesize({ stage: 'prod', 'aws:cdk:bundling-stacks': [] });
    try {
      assert.equal(synth.stage.stateful.stackName, 'CebGrab-prod-Stateful');
      assert.equal(synth.stage.stateless.stackName, 'CebGrab-prod-Stateless');
      synth.stateless.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { CUSTOMS_UPLOAD_URL: STAGES.prod.customsUploadUrl } },
      });
      synth.stateless.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
    } finally {
      synth.cleanup();
    }
  });
});

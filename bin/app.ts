import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageId } from '#core/stack-outputs.ts';
import { CebGrabStage } from '../lib/ceb-grab-stage.ts';
import { stageConfigFromContext } from '../lib/stage-config.ts';

/** The CDK app: one stage per invocation, picked with `-c stage=test|prod` (default `test`). */
const app = new App();
const config = stageConfigFromContext(app.node);
new CebGrabStage(app, stageId(config.stage), { config });
// cdk-nag's AwsSolutions pack: an unsuppressed finding is an error, so `cdk synth` (and CI) fails on it.
Aspects.of(app).add(new AwsSolutionsChecks());

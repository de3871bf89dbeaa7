import type { Environment } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { stageStackNames } from '#core/stack-outputs.ts';
import type { StageConfig } from './stage-config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface CebGrabStageProps {
  readonly config: StageConfig;
  /** Account and region; left out, the stage config's region (if any), else environment-agnostic. */
  readonly env?: Environment;
}

/**
 * One deployment environment: a stateful stack (keys, tables, queues, secrets, alarm topic) and a
 * stateless stack (functions, API, alarms, dashboard) that reads from it, named `CebGrab-<stage>-Stateful` and
 * `CebGrab-<stage>-Stateless` (functions/core/stack-outputs.ts, where `ceb-grab --stage` looks for them).
 *
 * A plain construct rather than a `cdk.Stage` on purpose: the CLI's `deploy --all`, and the checks
 * `synth` runs when no stack is named, only see top-level stacks, and one invocation builds one
 * stage (`-c stage=...`) anyway.
 */
export class CebGrabStage extends Construct {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;

  constructor(scope: Construct, id: string, props: CebGrabStageProps) {
    super(scope, id);
    const { config } = props;
    // A region alone (no account) needs no lookups, so synthesis stays offline; with a concrete region
    // CDK writes partition-specific literals (arn:aws-cn:...) where it can.
    const environment = props.env ?? (config.region === undefined ? undefined : { region: config.region });
    const env = environment === undefined ? {} : { env: environment };
    const names = stageStackNames(config.stage);
    this.stateful = new StatefulStack(this, 'Stateful', {
      ...env,
      config,
      stackName: names.stateful,
      description: `ceb-grab ${config.stage}: keys, tables, grab queue and DLQ, secrets, alarm topic`,
    });
    this.stateless = new StatelessStack(this, 'Stateless', {
      ...env,
      config,
      resources: this.stateful,
      stackName: names.stateless,
      description: `ceb-grab ${config.stage}: API, functions, alarms and dashboard`,
    });
  }
}

import type { Environment } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface CebGrabStageProps {
  readonly config: StageConfig;
  /** Account and region; left out, the stacks are environment-agnostic. */
  readonly env?: Environment;
}

/**
 * One deployment environment: a stateful stack (tables, queues, secret) and a stateless stack
 * (functions, API) that reads from it, named `<id>-Stateful` and `<id>-Stateless`.
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
    const env = props.env === undefined ? {} : { env: props.env };
    this.stateful = new StatefulStack(this, 'Stateful', {
      ...env,
      config,
      stackName: `${id}-Stateful`,
      description: `ceb-grab ${config.stage}: tables, grab queue and DLQ, signer secret`,
    });
    this.stateless = new StatelessStack(this, 'Stateless', {
      ...env,
      config,
      resources: this.stateful,
      stackName: `${id}-Stateless`,
      description: `ceb-grab ${config.stage}: API, grab-request and upload-worker functions`,
    });
  }
}

import { Stage, type StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from './stage-config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface CebGrabStageProps extends StageProps {
  readonly config: StageConfig;
}

/**
 * One deployment environment: a stateful stack (tables, queues, secret) and a stateless stack
 * (functions, API) that reads from it. Stacks are environment-agnostic unless `env` is given.
 */
export class CebGrabStage extends Stage {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;

  constructor(scope: Construct, id: string, props: CebGrabStageProps) {
    super(scope, id, props);
    const { config } = props;
    this.stateful = new StatefulStack(this, 'Stateful', {
      config,
      description: `ceb-grab ${config.stage}: tables, grab queue and DLQ, signer secret`,
    });
    this.stateless = new StatelessStack(this, 'Stateless', {
      config,
      resources: this.stateful,
      description: `ceb-grab ${config.stage}: API, grab-request and upload-worker functions`,
    });
  }
}

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageId } from '#core/stack-outputs.ts';
import { scratchDir } from '#test/helpers/scratch-dir.ts';
import { CebGrabStage } from '../../lib/ceb-grab-stage.ts';
import { REPO_ROOT } from '../../lib/repo-root.ts';
import { type StageConfig, stageConfigFromContext } from '../../lib/stage-config.ts';

/** cdk.json's feature flags, so tests synthesize what `cdk synth` does. */
const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;

export interface Synthesized {
  readonly config: StageConfig;
  readonly stage: CebGrabStage;
  readonly stateful: Template;
  readonly stateless: Template;
  /** The cloud assembly directory (bundled assets live here); remove with `cleanup`. */
  readonly outdir: string;
  /**
   * A value from the stateful stack as the stateless template spells it: the cross-stack reference
   * CDK made for it. Lets a test say "this env var is the sessions table" and not just "some table".
   */
  imported(value: string): unknown;
  /** cdk-nag (AwsSolutions) errors and warnings left unsuppressed, as "path: message" lines. */
  nagFindings(): string[];
  cleanup(): void;
}

export interface SynthOptions {
  /** CDK context, e.g. `{ stage: 'prod' }` (cdk.json's flags are always included). */
  readonly context?: Record<string, unknown>;
  /** Changes to the stage config picked by the context (signer, network, region, ...). */
  readonly config?: Partial<StageConfig>;
  /** Bundle the functions (about 1.5 s each); only the tests that read the bundles need it. */
  readonly bundle?: boolean;
}

/** Build and synthesize one stage the way bin/app.ts does, cdk-nag included. */
export function synthesize(opts: SynthOptions = {}): Synthesized {
  const outdir = scratchDir('ceb-grab-cdk-');
  const context = {
    ...cdkJsonContext(),
    ...opts.context,
    ...(opts.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
  };
  const app = new App({ outdir, context });
  const config = { ...stageConfigFromContext(app.node), ...opts.config };
  const stage = new CebGrabStage(app, stageId(config.stage), { config });
  Aspects.of(app).add(new AwsSolutionsChecks());
  const stateful = Template.fromStack(stage.stateful);
  const stateless = Template.fromStack(stage.stateless);
  const findings = (stack: Stack) => {
    const nag = Match.stringLikeRegexp('AwsSolutions-');
    const annotations = Annotations.fromStack(stack);
    return [...annotations.findError('*', nag), ...annotations.findWarning('*', nag)].map(
      (m) => `${m.id}: ${String(m.entry.data)}`,
    );
  };
  return {
    config,
    stage,
    stateful,
    stateless,
    outdir,
    imported: (value) => stage.stateless.resolve(value),
    nagFindings: () => [...findings(stage.stateful), ...findings(stage.stateless)],
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

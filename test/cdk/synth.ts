import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CebGrabStage } from '../../lib/ceb-grab-stage.ts';
import { REPO_ROOT } from '../../lib/repo-root.ts';
import { stageConfigFromContext } from '../../lib/stage-config.ts';

/** cdk.json's feature flags, so tests synthesize what `cdk synth` does. */
const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;

export interface Synthesized {
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
  cleanup(): void;
}

/** Build and synthesize one stage the way bin/app.ts does, with extra context (e.g. `stage`). */
export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'ceb-grab-cdk-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...context } });
  const config = stageConfigFromContext(app.node);
  const stage = new CebGrabStage(app, `CebGrab-${config.stage}`, { config });
  const stateful = Template.fromStack(stage.stateful);
  const stateless = Template.fromStack(stage.stateless);
  return {
    stage,
    stateful,
    stateless,
    outdir,
    imported: (value) => stage.stateless.resolve(value),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

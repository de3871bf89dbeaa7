/**
 * `npm run soak`: thousands of grabs through the local stack under injected faults, then a clean
 * control run; `npm run soak -- --signer-rate 4` instead: one run with a card signing one at a time at
 * 4 a second behind `ceb-grab signer`. Each run checks that every grab ends in exactly one recorded
 * state that agrees with customs, none is accepted twice and nothing is left pending, prints its
 * figures and exits 0 only if those invariants hold. Loopback only. The pieces: scripts/soak/.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSoakCli } from './soak/options.ts';
import { report } from './soak/report.ts';
import { runSoak } from './soak/run.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { runs, only } = parseSoakCli();

if (!only) {
  // Each run in its own process: a Lambda handler reads its configuration once per process.
  let allOk = true;
  for (const r of runs) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--only', r.name],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) {
      process.stdout.write(
        `the ${r.name} run exited with ${child.status ?? child.signal} ${child.error?.message ?? ''}\n`,
      );
    }
    allOk = child.status === 0 && allOk;
  }
  process.stdout.write(`soak ${allOk ? 'passed: every invariant held in every run' : 'FAILED'}\n`);
  process.exit(allOk ? 0 : 1);
}
const run = runs[0];
if (!run) throw new Error(`no run named ${only}: faulted, clean, or card-paced with --signer-rate`);
process.exit(report(await runSoak(run)) ? 0 : 1);

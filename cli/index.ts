import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCerts } from './commands/certs.ts';
import { registerClearance } from './commands/clearance.ts';
import { registerCustomsSim } from './commands/customs-sim.ts';
import { registerGrab } from './commands/grab.ts';
import { registerInvoke } from './commands/invoke.ts';
import { registerKmsDouble } from './commands/kms-double.ts';
import { registerLoad } from './commands/load.ts';
import { registerLocal } from './commands/local.ts';
import { registerRedrive } from './commands/redrive.ts';
import { registerReplay } from './commands/replay.ts';
import { registerSessions } from './commands/sessions.ts';
import { registerSigner } from './commands/signer.ts';
import { registerSignerReset } from './commands/signer-reset.ts';
import { registerStatus } from './commands/status.ts';
import { registerVerify } from './commands/verify.ts';

/** `ceb-grab`: one program, one file per subcommand under cli/commands/. */
export function buildCli(): Command {
  const program = new Command('ceb-grab')
    .description(
      'Customs real-time payment data (platDataOpen -> realTimeDataUpload) for cross-border platforms',
    )
    .version(packageVersion(), '-V, --version', "print ceb-grab's version")
    .showHelpAfterError()
    // Every usage error exits 2, also those commander finds (unknown option or command, missing
    // argument); help and --version exit 0. Subcommands inherit this, as they are added after it.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  for (const register of [
    registerLocal,
    registerLoad,
    registerStatus,
    registerClearance,
    registerReplay,
    registerRedrive,
    registerSessions,
    registerGrab,
    registerCustomsSim,
    registerInvoke,
    registerSigner,
    registerSignerReset,
    registerCerts,
    registerVerify,
    registerKmsDouble,
  ]) {
    register(program);
  }
  return program;
}

/** The version package.json states (read at run time: the CLI runs from the repository). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

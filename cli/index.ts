import { Command } from 'commander';
import { registerCerts } from './commands/certs.ts';
import { registerClearance } from './commands/clearance.ts';
import { registerCustomsSim } from './commands/customs-sim.ts';
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
    .showHelpAfterError();
  for (const register of [
    registerLocal,
    registerLoad,
    registerStatus,
    registerClearance,
    registerReplay,
    registerRedrive,
    registerSessions,
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

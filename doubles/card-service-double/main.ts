/**
 * Run the card service double by hand, in place of a real card:
 *   CARD_PIN=88888888 node --import tsx doubles/card-service-double/main.ts --port 61232
 * then `ceb-grab signer --card ws://127.0.0.1:61232` (same CARD_PIN) in another terminal.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { startCardServiceDouble } from './server.ts';

const program = new Command('card-service-double')
  .description('a stand-in for the E-Port card websocket service, signing with a throwaway SM2 or RSA key')
  .option('--port <n>', 'port on 127.0.0.1', parseNumber, 61232)
  .option('--rsa', 'an old RSA-1024 card instead of SM2')
  .option('--latency-ms <n>', 'time per request, like a real card (about 250)', parseNumber, 0)
  .option(
    '--signatures-per-second <n>',
    'pace: each signature takes 1/n s, one at a time (a Ukey: about 4)',
    parsePace,
  )
  .option('--cert-out <file.pem>', "write the card's certificate here, to register it")
  .action(
    async (opts: {
      port: number;
      rsa?: boolean;
      latencyMs: number;
      signaturesPerSecond?: number;
      certOut?: string;
    }) => {
      const pin = process.env.CARD_PIN;
      if (!pin) throw new InvalidArgumentError('set CARD_PIN: the PIN the double accepts');
      const card = await startCardServiceDouble({
        pin,
        port: opts.port,
        algorithm: opts.rsa ? 'SHA1withRSA' : 'SM3withSM2',
        latencyMs: opts.latencyMs,
        ...(opts.signaturesPerSecond === undefined ? {} : { signaturesPerSecond: opts.signaturesPerSecond }),
      });
      if (opts.certOut) writeFileSync(opts.certOut, card.certificate.certificatePem);
      process.stdout.write(
        `card service double listening on ${card.url}\n  certificate ${card.certificate.certNo} (${card.certificate.algorithm})\n` +
          `${opts.certOut ? `  written to ${opts.certOut}\n` : ''}Ctrl-C to stop\n`,
      );
      const stop = () => void card.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  );

function parsePace(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number > 0');
  return n;
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number >= 0');
  return n;
}

await program.parseAsync();

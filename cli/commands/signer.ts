import { type Command, Option } from 'commander';
import { parsePort, parsePositive, readText } from '#cli/options.ts';
import { fail } from '#cli/target.ts';

interface SignerOptions {
  host: string;
  port: number;
  tokenFile?: string;
  key?: string;
  cert?: string;
  keyId: string;
  card?: string;
  pinFile?: string;
  /** from SIGNER_TOKEN, through commander (never accepted on the command line) */
  envToken?: string;
  /** from CARD_PIN, likewise */
  envPin?: string;
  cardTimeoutMs: number;
  tlsCert?: string;
  tlsKey?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** `ceb-grab signer`: a signing proxy in front of a software key or the E-Port card, until Ctrl-C. */
export function registerSigner(program: Command): void {
  program
    .command('signer')
    .description(
      'run a signing proxy for HSM_PROXY_URL: our protocol (POST /v1/sign, GET /v1/keys/{keyId}) and ' +
        "chinaport-data-signature's (POST /rpc/eport/signature), with GET /health; in front of a software key " +
        "(--key, --cert) or the E-Port card's websocket service (--card)",
    )
    .option('--host <address>', 'address to listen on (only loopback unless you mean it)', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', parsePort, 8400)
    .option('--token-file <file>', 'the token clients must present (else env SIGNER_TOKEN)')
    .option('--key <key.pem>', 'software key: a PEM private key, SM2 or RSA')
    .option('--cert <cert.pem>', "software key: the key's certificate")
    .option('--key-id <name>', 'the key id clients sign with', 'default')
    .option('--card <ws-url>', "the E-Port card's websocket service, e.g. ws://127.0.0.1:61232")
    .option('--pin-file <file>', "the card's PIN (else env CARD_PIN)")
    .option('--card-timeout-ms <n>', 'how long one card request may take', parsePositive, 10_000)
    .option(
      '--tls-cert <cert.pem>',
      'serve HTTPS with this certificate (with --tls-key): needed off loopback',
    )
    .option('--tls-key <key.pem>', "the TLS certificate's private key")
    // Secrets from the environment, read by commander; hidden, and refused as arguments (ps shows those).
    .addOption(new Option('--env-token <token>').env('SIGNER_TOKEN').hideHelp())
    .addOption(new Option('--env-pin <pin>').env('CARD_PIN').hideHelp())
    .action(async (opts: SignerOptions, command: Command) => {
      try {
        for (const name of ['envToken', 'envPin']) {
          if (command.getOptionValueSource(name) === 'cli') {
            throw new Error(
              'a secret is never given as an argument: use --token-file / --pin-file or the environment',
            );
          }
        }
        await serve(opts);
      } catch (e) {
        fail((e as Error).message);
      }
    });
}

async function serve(opts: SignerOptions): Promise<void> {
  const token = secret(opts.tokenFile, opts.envToken, '--token-file', 'SIGNER_TOKEN', 'token');
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new Error('give both --tls-cert and --tls-key, or neither');
  }
  const tls =
    opts.tlsCert && opts.tlsKey
      ? { cert: readText(opts.tlsCert, 'the TLS certificate'), key: readText(opts.tlsKey, 'the TLS key') }
      : undefined;
  // Loaded on use, so other commands do not pay for the proxy's imports.
  const { startSignerProxy } = await import('#signer-proxy/server.ts');
  const backend = await makeBackend(opts);
  const proxy = await startSignerProxy({
    backend,
    token,
    host: opts.host,
    port: opts.port,
    ...(tls ? { tls } : {}),
  }).catch(async (e: unknown) => {
    await backend.close();
    throw e;
  });
  const out = [
    `ceb-grab signer listening on ${proxy.url}`,
    `  backend: ${backend.kind === 'soft' ? `software key ${opts.key}` : `card service ${opts.card}`}, key id ${backend.keyId}`,
  ];
  try {
    const cert = await backend.certificate();
    out.push(`  certificate ${cert.certNo} (${cert.algorithm}), valid until ${cert.notAfter.toISOString()}`);
  } catch (e) {
    out.push(`  certificate not read yet: ${(e as Error).message}`);
  }
  out.push(
    `  HSM_PROXY_PROTOCOL=ceb-grab: POST ${proxy.url}/v1/sign`,
    `  HSM_PROXY_PROTOCOL=chinaport-data-signature: POST ${proxy.url}/rpc/eport/signature`,
    `  health: ${proxy.url}/health`,
  );
  if (!LOOPBACK.has(opts.host)) {
    out.push(`  WARNING: listening on ${opts.host}: anyone who can reach it and holds the token can sign`);
    if (!tls) {
      out.push(
        '  WARNING: plain http off loopback: the token and the sign sources (bank accounts) cross the network in clear; use --tls-cert/--tls-key',
      );
    }
  }
  out.push('Ctrl-C to stop');
  process.stdout.write(`${out.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`${signal}: closing the signer\n`);
      proxy.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function makeBackend(opts: SignerOptions) {
  if (opts.card && (opts.key || opts.cert)) throw new Error('give either --card or --key/--cert, not both');
  if (opts.card) {
    if (!/^wss?:\/\//.test(opts.card)) throw new Error(`--card ${opts.card} is not a ws:// URL`);
    // The PIN goes to the card service with every signature: it must not leave this machine.
    if (!LOOPBACK.has(new URL(opts.card).hostname)) {
      throw new Error(
        `--card ${opts.card} is not on this machine: the card service is reached on loopback only`,
      );
    }
    const pin = secret(opts.pinFile, opts.envPin, '--pin-file', 'CARD_PIN', 'card PIN');
    const { cardBackend } = await import('#signer-proxy/card-backend.ts');
    const { defaultProxyLog } = await import('#signer-proxy/log.ts');
    return cardBackend({
      url: opts.card,
      pin,
      keyId: opts.keyId,
      timeoutMs: opts.cardTimeoutMs,
      log: defaultProxyLog,
    });
  }
  if (!opts.key || !opts.cert)
    throw new Error('give a key: --key key.pem --cert cert.pem, or --card ws://...');
  const { softBackend } = await import('#signer-proxy/soft-backend.ts');
  return softBackend({
    privateKeyPem: readText(opts.key, 'the private key'),
    certificatePem: readText(opts.cert, 'the certificate'),
    keyId: opts.keyId,
  });
}

/** A secret from a file or an environment variable; its value is never printed. */
function secret(
  file: string | undefined,
  fromEnv: string | undefined,
  flag: string,
  env: string,
  what: string,
): string {
  const value = file === undefined ? fromEnv : readText(file, `the ${what}`);
  if (!value?.trim()) {
    throw new Error(
      `no ${what} (${flag} or ${env}${file === undefined ? '' : `: ${file} is empty`}): the signer does not start without one`,
    );
  }
  return value.trim();
}

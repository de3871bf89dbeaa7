import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parsePort } from '#cli/options.ts';
import { fail } from '#cli/target.ts';

interface KmsDoubleOptions {
  port: number;
  key?: string;
  alias: string;
  certOut: string;
}

/**
 * `ceb-grab kms-double`: the KMS test double as its own process, so `SIGNER_KIND=kms npm start`
 * can run on a machine without AWS KMS (and moto has no SM2). Until Ctrl-C.
 */
export function registerKmsDouble(program: Command): void {
  program
    .command('kms-double')
    .description('run a KMS test double (DescribeKey, GetPublicKey, Sign with SM2 in software) on 127.0.0.1')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', parsePort, 8400)
    .option(
      '--key <file.pem>',
      'an SM2 private key to host; without it a throwaway key and certificate are made',
    )
    .option('--alias <name>', 'an alias for the key', 'ceb-grab-local')
    .option('--cert-out <dir>', 'where the throwaway certificate is written', '.ceb-grab/kms-double')
    .action(async (opts: KmsDoubleOptions) => {
      try {
        await serve(opts);
      } catch (e) {
        fail((e as Error).message);
      }
    });
}

async function serve(opts: KmsDoubleOptions): Promise<void> {
  const { startKmsDouble } = await import('#doubles/kms-double/index.ts');
  const { makeThrowawayCertificate } = await import('#local/throwaway-certificate.ts');
  let privateKeyPem: string;
  let certPath: string | undefined;
  if (opts.key) {
    try {
      privateKeyPem = readFileSync(opts.key, 'utf8');
    } catch (e) {
      throw new Error(
        `cannot read the key ${opts.key}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  } else {
    const made = makeThrowawayCertificate({ commonName: 'ceb-grab KMS double' });
    privateKeyPem = made.privateKeyPem;
    mkdirSync(opts.certOut, { recursive: true });
    certPath = resolve(join(opts.certOut, `${made.certNo}.cert.pem`));
    // Only the certificate is written; the private key stays inside the double's process.
    writeFileSync(certPath, made.certificatePem);
  }
  const double = await startKmsDouble({ port: opts.port });
  const key = double.createKey({ privateKeyPem, alias: opts.alias });
  const cert = certPath ?? '<the certificate of that key>';
  process.stdout.write(
    `${[
      `KMS test double listening on ${double.endpoint} (software SM2; not AWS KMS)`,
      `  key ${key.keyId} (${key.alias ?? 'no alias'}), SM2, SIGN_VERIFY`,
      ...(certPath ? [`  its throwaway certificate: ${certPath}`] : []),
      'Use it:',
      `  ceb-grab certs add --ebp-code <ebpCode> --signer kms --key-id ${key.alias ?? key.keyId} --cert ${cert}`,
      `  AWS_ENDPOINT_URL_KMS=${double.endpoint} SIGNER_KIND=kms npm start`,
      'Ctrl-C to stop',
    ].join('\n')}\n`,
  );
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`${signal}: closing the KMS double\n`);
      double.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

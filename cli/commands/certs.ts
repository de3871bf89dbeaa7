import { readFileSync } from 'node:fs';
import Table from 'cli-table3';
import { type Command, Option } from 'commander';
import type {
  CertificateRecord,
  DynamoCertificateRegistry,
} from '#adapters/dynamodb/certificate-registry.ts';
import { operatorCommand, type StackOptions } from '#cli/options.ts';
import { fail, operatorFor, resolveTarget, TargetError } from '#cli/target.ts';
import { EXPIRY_WARNING_DAYS } from '#core/crypto/certificate-validity.ts';
import { CertificateExpiredError, ValidationError } from '#core/errors.ts';
import type { SignerKind } from '#core/ports.ts';

/**
 * `ceb-grab certs list|add|remove`: the certificate registry, which key and certificate sign for
 * each ebpCode, in the table CERTIFICATES_TABLE names or else the local stack's.
 * Exit status: 0 done, 1 refused (expired or unusable certificate) or the stage not reachable, 2 usage,
 * I/O or AWS error.
 */
export function registerCerts(program: Command): void {
  const certs = program
    .command('certs')
    .description('the certificate registry: which signer, key and E-Port certificate sign for each ebpCode');

  operatorCommand(certs, 'list')
    .description(
      `list registered certificates; flags those expired or expiring within ${EXPIRY_WARNING_DAYS} days`,
    )
    .option('--json', 'print JSON')
    .action((opts: StackOptions & { json?: boolean }) =>
      run(opts, async (registry) => list(registry, opts.json === true)),
    );

  operatorCommand(certs, 'add')
    .description('register (or replace) the certificate and key that sign for an ebpCode')
    .requiredOption(
      '--ebp-code <code>',
      'the e-commerce platform code (ebpCode) the certificate is registered for',
    )
    .addOption(
      new Option('--signer <kind>', 'what holds the private key')
        .choices(['kms', 'hsm-proxy', 'soft'])
        .makeOptionMandatory(),
    )
    .option(
      '--key-id <id>',
      "the key's name at the signer: KMS key id, ARN or alias; proxy key id (soft: 'soft')",
    )
    .requiredOption('--cert <file.pem>', 'the E-Port certificate (PEM), SM2 or RSA')
    .option(
      '--cert-no <certNo>',
      'the certNo as the card reports it and as registered with customs, when it is not the serial in hex',
    )
    .option('--note <text>', 'a note for operators, e.g. who renewed it')
    .action((opts: AddOptions) => run(opts, (registry) => add(registry, opts)));

  operatorCommand(certs, 'remove')
    .description('remove the certificate of an ebpCode (nothing happens when none is registered)')
    .requiredOption('--ebp-code <code>', 'the ebpCode')
    .action((opts: StackOptions & { ebpCode: string }) =>
      run(opts, (registry) => remove(registry, opts.ebpCode)),
    );
}

interface AddOptions extends StackOptions {
  ebpCode: string;
  signer: SignerKind;
  keyId?: string;
  cert: string;
  certNo?: string;
  note?: string;
}

async function run(
  stack: StackOptions,
  work: (registry: DynamoCertificateRegistry) => Promise<void>,
): Promise<void> {
  try {
    await work((await operatorFor(await resolveTarget(['CERTIFICATES_TABLE'], stack))).certificates());
  } catch (e) {
    // A refused certificate is the user's to fix (1), as is a stage that cannot be reached; anything
    // else is usage, I/O or AWS (2).
    const refused =
      e instanceof ValidationError || e instanceof CertificateExpiredError || e instanceof TargetError;
    fail((e as Error).message, refused ? 1 : 2);
  }
}

async function add(registry: DynamoCertificateRegistry, opts: AddOptions): Promise<void> {
  const keyId = opts.keyId ?? (opts.signer === 'soft' ? 'soft' : undefined);
  if (!keyId) throw new Error(`--key-id is required for --signer ${opts.signer}`);
  let pem: string;
  try {
    pem = readFileSync(opts.cert, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${opts.cert}: ${(e as Error).message}`);
  }
  const { record, validity, replaced } = await registry.put({
    ebpCode: opts.ebpCode,
    signer: opts.signer,
    keyId,
    certificatePem: pem,
    ...(opts.certNo === undefined ? {} : { certNo: opts.certNo }),
    ...(opts.note ? { note: opts.note } : {}),
  });
  const lines = [
    `registered certificate ${record.certNo} (${record.algorithm}) for ebpCode ${record.ebpCode}: signer ${record.signer}, key ${record.keyId}`,
    `  valid ${record.notBefore} .. ${record.notAfter} (${validity.expiresInDays} days left)`,
  ];
  if (replaced)
    lines.push(
      `  replaced certificate ${replaced.certNo} (signer ${replaced.signer}, key ${replaced.keyId})`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  if (validity.expiringSoon) {
    process.stderr.write(
      `ceb-grab: warning: certificate ${record.certNo} expires in ${validity.expiresInDays} days: renew it with the E-Port and register the new one\n`,
    );
  }
}

async function remove(registry: DynamoCertificateRegistry, ebpCode: string): Promise<void> {
  const removed = await registry.remove(ebpCode);
  process.stdout.write(
    removed
      ? `removed certificate ${removed.certNo} of ebpCode ${ebpCode}\n`
      : `no certificate was registered for ebpCode ${ebpCode}; nothing to remove\n`,
  );
}

const DAY_MS = 86_400_000;

async function list(registry: DynamoCertificateRegistry, json: boolean): Promise<void> {
  const now = Date.now();
  const rows = (await registry.list()).map((r) => ({ ...r, ...standing(r, now) }));
  if (json) {
    const view = rows.map(({ certificatePem: _pem, ...r }) => r);
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('no certificates registered: add one with `ceb-grab certs add`\n');
    return;
  }
  const table = new Table({
    head: ['ebpCode', 'signer', 'keyId', 'certNo', 'algorithm', 'notAfter', 'days left', ''],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      r.ebpCode,
      r.signer,
      r.keyId,
      r.certNo,
      r.algorithm,
      r.notAfter.slice(0, 10),
      String(r.daysLeft),
      r.status,
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
  const attention = rows.filter((r) => r.status !== '');
  if (attention.length > 0) {
    process.stderr.write(
      `ceb-grab: ${attention.length} certificate(s) expired or expiring within ${EXPIRY_WARNING_DAYS} days: ${attention.map((r) => r.ebpCode).join(', ')}\n`,
    );
  }
}

function standing(r: CertificateRecord, now: number): { daysLeft: number; status: string } {
  const daysLeft = Math.floor((Date.parse(r.notAfter) - now) / DAY_MS);
  const status =
    now > Date.parse(r.notAfter)
      ? 'EXPIRED'
      : now < Date.parse(r.notBefore)
        ? 'NOT YET VALID'
        : daysLeft < EXPIRY_WARNING_DAYS
          ? 'EXPIRES SOON'
          : '';
  return { daysLeft, status };
}

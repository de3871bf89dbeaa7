import type { Command } from 'commander';
import { operatorCommand, readText, type StackOptions } from '#cli/options.ts';
import { fail, operatorFor, resolveTarget, TargetError } from '#cli/target.ts';
import { type CertificateInfo, parseCertificate } from '#core/crypto/certificate.ts';
import { explainVerification, type VerifyInput, type VerifyReport } from '#core/use-cases/verify-upload.ts';

interface VerifyOptions extends StackOptions {
  payExInfoStr?: string;
  signSource?: string;
  signValue?: string;
  certNo?: string;
  cert?: string;
  ebpCode?: string;
  json?: boolean;
}

/**
 * `ceb-grab verify`: would customs accept this signature, and if not, why.
 * Exit status: 0 it verifies, 1 it does not (the reasons are printed), 2 usage or I/O error.
 */
export function registerVerify(program: Command): void {
  operatorCommand(program, 'verify')
    .description(
      'check a payExInfoStr (or a sign source and signValue) against a certificate, as customs does',
    )
    .option(
      '--pay-ex-info-str <file|->',
      'the payExInfoStr JSON (or the form body payExInfoStr=...); - for stdin',
    )
    .option('--sign-source <file|->', 'a sign source ("sessionID":"..."||...); - for stdin')
    .option('--sign-value <base64>', 'the signValue of --sign-source')
    .option('--cert-no <certNo>', 'the certNo sent with --sign-source')
    .option('--cert <file.pem>', 'the certificate to verify with')
    .option('--ebp-code <code>', 'take the certificate registered for this ebpCode (ceb-grab certs)')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  ceb-grab verify --pay-ex-info-str upload.json --cert card.cert.pem\n' +
        '  ceb-grab verify --sign-source source.txt --sign-value BASE64 --cert-no 03000000000cde6f --ebp-code 4404840022\n' +
        'Exit status: 0 the signature verifies, 1 it does not (or --stage names a stage that cannot be read),\n' +
        '2 usage or I/O error.',
    )
    .action(async (opts: VerifyOptions) => {
      try {
        const input = readInput(opts);
        const ebpCode = opts.ebpCode;
        const cert = await certificateFor(opts);
        const report = explainVerification(input, cert, {
          now: Date.now(),
          ...(ebpCode ? { ebpCode } : {}),
        });
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
        process.exitCode = report.ok ? 0 : 1;
      } catch (e) {
        fail((e as Error).message, e instanceof TargetError ? 1 : 2);
      }
    });
}

function readInput(opts: VerifyOptions): VerifyInput {
  if ((opts.payExInfoStr === undefined) === (opts.signSource === undefined)) {
    throw new Error('give either --pay-ex-info-str FILE or --sign-source FILE --sign-value B64');
  }
  if (opts.payExInfoStr !== undefined) {
    let text = readText(opts.payExInfoStr, 'the payExInfoStr').trim();
    // A captured request body: the form field, URL-encoded.
    if (text.startsWith('payExInfoStr=')) text = new URLSearchParams(text).get('payExInfoStr') ?? '';
    return { payExInfoStr: text };
  }
  if (opts.signValue === undefined) throw new Error('--sign-source needs --sign-value');
  // A sign source ends in `"`: a file's final newline is the editor's, not signed data.
  const signSource = readText(opts.signSource ?? '', 'the sign source').replace(/\r?\n$/, '');
  return { signSource, signValue: opts.signValue, ...(opts.certNo ? { certNo: opts.certNo } : {}) };
}

async function certificateFor(opts: VerifyOptions): Promise<CertificateInfo> {
  if ((opts.cert === undefined) === (opts.ebpCode === undefined)) {
    throw new Error('give the certificate: --cert FILE.pem, or --ebp-code CODE to take it from the registry');
  }
  if (opts.cert !== undefined) return parseCertificate(readText(opts.cert, 'the certificate'));
  const registry = (await operatorFor(await resolveTarget(['CERTIFICATES_TABLE'], opts))).certificates();
  return (await registry.keyFor(opts.ebpCode ?? '')).certificate;
}

function describe(r: VerifyReport): string {
  const about = `certificate ${r.certificate.certNo}, ${r.certificate.algorithm}${r.sessionID ? `, session ${r.sessionID}` : ''}`;
  const lines = r.ok
    ? [`OK: the signature verifies (${about})`]
    : [`NOT VERIFIED (${about}):`, ...r.problems.map((p) => `  - ${p}`)];
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

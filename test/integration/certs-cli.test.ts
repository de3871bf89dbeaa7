import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { writeStackFile } from '#local/stack-file.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { runCli } from '#test/helpers/cli.ts';
import { type LocalAws, REGION, startLocalAws } from '#test/helpers/local-aws.ts';
import { VECTORS_DIR, vectorsFile } from '#test/helpers/vectors.ts';

/** `ceb-grab certs` (and `verify --ebp-code`) as an operator runs them: child processes against moto. */

const DAY = 86_400_000;

let aws: LocalAws;
let dir: string;

before(async () => {
  aws = await startLocalAws();
  dir = mkdtempSync(join(tmpdir(), 'ceb-grab-certs-'));
});
after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await aws?.stop();
});
beforeEach(async () => {
  await aws.fresh(); // sets CERTIFICATES_TABLE (and the endpoint) in the env the CLI inherits
});

/** `ceb-grab certs …` run in the test's directory. */
const cli = (args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  runCli(args, opts.env, undefined, { cwd: opts.cwd ?? dir });

function pem(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('ceb-grab certs', () => {
  it('registers an old RSA card by its 8-digit certNo, or by the certNo the operator states (--cert-no)', async () => {
    const rsa = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '011f03d1' });
    const card = pem('rsa.pem', rsa.certificatePem);
    const add = (ebpCode: string, extra: string[] = []) =>
      cli([
        'certs',
        'add',
        '--ebp-code',
        ebpCode,
        '--signer',
        'hsm-proxy',
        '--key-id',
        'k',
        '--cert',
        card,
        ...extra,
      ]);
    const serial = await add('E-RSA');
    assert.equal(serial.code, 0, serial.stderr);
    assert.match(serial.stdout, /registered certificate 011f03d1 \(SHA1withRSA\) for ebpCode E-RSA/);
    const stated = await add('E-STATED', ['--cert-no', '013E20E7']);
    assert.equal(stated.code, 0, stated.stderr);
    assert.match(stated.stdout, /registered certificate 013e20e7 \(SHA1withRSA\) for ebpCode E-STATED/);
    const list = await cli(['certs', 'list', '--json']);
    const rows = JSON.parse(list.stdout) as { ebpCode: string; certNo: string }[];
    assert.deepEqual(
      rows.map((r) => [r.ebpCode, r.certNo]),
      [
        ['E-RSA', '011f03d1'],
        ['E-STATED', '013e20e7'],
      ],
    );
    const bad = await add('E-BAD', ['--cert-no', 'not-hex']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /certNo "not-hex" is not a certNo as a card reports it/);
  });

  it('add, then list shows signer, key, certNo, days left, and flags one expiring soon', async () => {
    const sm2 = makeThrowawayCertificate();
    const soon = makeThrowawayCertificate({
      algorithm: 'SHA1withRSA',
      notAfter: new Date(Date.now() + 10 * DAY),
    });
    const a = await cli([
      'certs',
      'add',
      '--ebp-code',
      'E-SM2',
      '--signer',
      'kms',
      '--key-id',
      'alias/eport',
      '--cert',
      pem('a.pem', sm2.certificatePem),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(
      a.stdout,
      new RegExp(
        `registered certificate ${sm2.certNo} \\(SM3withSM2\\) for ebpCode E-SM2: signer kms, key alias/eport`,
      ),
    );
    assert.match(a.stdout, /\(36[45] days left\)/);
    assert.equal(a.stderr, '');

    const b = await cli([
      'certs',
      'add',
      '--ebp-code',
      'E-RSA',
      '--signer',
      'hsm-proxy',
      '--key-id',
      'ukey-1',
      '--cert',
      pem('b.pem', soon.certificatePem),
      '--note',
      'old card',
    ]);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, new RegExp(`warning: certificate ${soon.certNo} expires in (9|10) days`));

    const list = await cli(['certs', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /ebpCode .* signer .* keyId .* certNo .* algorithm .* notAfter .* days left/);
    const row = (code: string) => list.stdout.split('\n').find((l) => l.includes(code)) ?? '';
    assert.match(row('E-SM2'), new RegExp(`kms .* alias/eport .* ${sm2.certNo} .* SM3withSM2 .* 36[45] `));
    assert.match(
      row('E-RSA'),
      new RegExp(`hsm-proxy .* ukey-1 .* ${soon.certNo} .* SHA1withRSA .* (9|10) .* EXPIRES SOON`),
    );
    assert.doesNotMatch(row('E-SM2'), /EXPIRES|EXPIRED/);
    assert.match(list.stderr, /1 certificate\(s\) expired or expiring within 30 days: E-RSA/);

    const json = await cli(['certs', 'list', '--json']);
    const rows = JSON.parse(json.stdout) as {
      ebpCode: string;
      daysLeft: number;
      status: string;
      note?: string;
    }[];
    assert.deepEqual(
      rows.map((r) => [r.ebpCode, r.status, r.note]),
      [
        ['E-RSA', 'EXPIRES SOON', 'old card'],
        ['E-SM2', '', undefined],
      ],
    );
    assert.ok(!json.stdout.includes('BEGIN CERTIFICATE'));
  });

  it('refuses an expired certificate (exit 1) and stores nothing', async () => {
    const expired = makeThrowawayCertificate({
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const run = await cli([
      'certs',
      'add',
      '--ebp-code',
      'E1',
      '--signer',
      'soft',
      '--cert',
      pem('old.pem', expired.certificatePem),
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`certificate ${expired.certNo} expired on .*renew`));
    const list = await cli(['certs', 'list']);
    assert.match(list.stdout, /no certificates registered/);
  });

  it('usage errors exit 2: no --key-id for kms, an unreadable certificate, a signer that is not one', async () => {
    const sm2 = pem('ok.pem', makeThrowawayCertificate().certificatePem);
    const noKey = await cli(['certs', 'add', '--ebp-code', 'E1', '--signer', 'kms', '--cert', sm2]);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /--key-id is required for --signer kms/);
    const noFile = await cli([
      'certs',
      'add',
      '--ebp-code',
      'E1',
      '--signer',
      'soft',
      '--cert',
      join(dir, 'missing.pem'),
    ]);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /cannot read .*missing\.pem/);
    const badSigner = await cli(['certs', 'add', '--ebp-code', 'E1', '--signer', 'usb', '--cert', sm2]);
    assert.equal(badSigner.code, 2);
  });

  it('remove twice: both succeed, the second says there was nothing', async () => {
    const sm2 = makeThrowawayCertificate();
    await cli([
      'certs',
      'add',
      '--ebp-code',
      'E1',
      '--signer',
      'soft',
      '--cert',
      pem('r.pem', sm2.certificatePem),
    ]);
    const first = await cli(['certs', 'remove', '--ebp-code', 'E1']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`removed certificate ${sm2.certNo} of ebpCode E1`));
    const second = await cli(['certs', 'remove', '--ebp-code', 'E1']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /no certificate was registered for ebpCode E1; nothing to remove/);
  });

  it('talks to the running local stack when the environment names no table', async () => {
    const resources = await aws.fresh();
    const cwd = mkdtempSync(join(dir, 'local-'));
    writeStackFile(
      {
        ...resources,
        endpoint: aws.endpoint,
        region: REGION,
        apiUrl: 'http://127.0.0.1:1',
        customsUrl: 'http://127.0.0.1:1',
        pid: process.pid,
      },
      join(cwd, '.ceb-grab', 'local.json'),
    );
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k !== 'CERTIFICATES_TABLE' && k !== 'AWS_ENDPOINT_URL'),
    );
    const sm2 = makeThrowawayCertificate();
    const add = await cli(
      [
        'certs',
        'add',
        '--ebp-code',
        'E-LOCAL',
        '--signer',
        'soft',
        '--cert',
        pem('l.pem', sm2.certificatePem),
      ],
      { env, cwd },
    );
    assert.equal(add.code, 0, add.stderr);
    // the table named by the environment now is the one the local stack has
    const list = await cli(['certs', 'list']);
    assert.match(list.stdout, new RegExp(`E-LOCAL .* ${sm2.certNo}`));
  });
});

describe('ceb-grab verify --ebp-code', () => {
  it('verifies vector B with the certificate registered for its ebpCode', async () => {
    const vectors = vectorsFile();
    const add = await cli([
      'certs',
      'add',
      '--ebp-code',
      '46016602EV',
      '--signer',
      'hsm-proxy',
      '--key-id',
      'card',
      '--cert',
      join(VECTORS_DIR, vectors.certificate),
    ]);
    assert.equal(add.code, 0, add.stderr);
    const b = vectors.vectors.find((v) => v.name === 'B')?.payExInfoStr ?? '';
    const ok = await cli(['verify', '--pay-ex-info-str', join(VECTORS_DIR, b), '--ebp-code', '46016602EV']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^OK: the signature verifies \(certificate 03000000000cde6f/);
    const none = await cli(['verify', '--pay-ex-info-str', join(VECTORS_DIR, b), '--ebp-code', 'E-NONE']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no certificate is registered for ebpCode E-NONE/);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '#test/helpers/cli.ts';
import { VECTORS_DIR, vectorsFile, vectorText } from '#test/helpers/vectors.ts';

/** `ceb-grab verify` as a person runs it, on the real E-Port card vectors. */

const file = vectorsFile();
const CERT = join(VECTORS_DIR, file.certificate);
const vector = (name: string) => {
  const v = file.vectors.find((x) => x.name === name);
  assert.ok(v, `vector ${name}`);
  return v;
};

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ceb-grab-verify-'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const verify = (args: string[], stdin?: string) => runCli(['verify', ...args], process.env, stdin);

const saved = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('ceb-grab verify on the card vectors', () => {
  it('vector A (sign source + signValue + certNo) verifies: exit 0', async () => {
    const a = vector('A');
    const run = await verify([
      '--sign-source',
      join(VECTORS_DIR, a.signSource),
      '--sign-value',
      a.signValue,
      '--cert-no',
      file.certNo,
      '--cert',
      CERT,
    ]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^OK: the signature verifies \(certificate 03000000000cde6f, SM3withSM2, session ad2254-8hewyf32-55616249\)/,
    );
  });

  it('vector B (a full payExInfoStr customs accepted) verifies from a file and from stdin: exit 0', async () => {
    const path = join(VECTORS_DIR, vector('B').payExInfoStr ?? '');
    const fromFile = await verify(['--pay-ex-info-str', path, '--cert', CERT]);
    assert.equal(fromFile.code, 0, fromFile.stdout + fromFile.stderr);
    assert.match(fromFile.stdout, /^OK: the signature verifies/);
    // As captured on the wire: the form body, URL-encoded, on stdin.
    const body = new URLSearchParams({ payExInfoStr: vectorText(vector('B').payExInfoStr ?? '') }).toString();
    const fromStdin = await verify(['--pay-ex-info-str', '-', '--cert', CERT, '--json'], body);
    assert.equal(fromStdin.code, 0, fromStdin.stdout + fromStdin.stderr);
    const report = JSON.parse(fromStdin.stdout) as { ok: boolean; signSource: string };
    assert.equal(report.ok, true);
    assert.equal(report.signSource, vectorText(vector('B').signSource));
  });

  it('the negative vector is rejected: exit 1 with the reason', async () => {
    const n = vector('negative');
    const run = await verify([
      '--sign-source',
      join(VECTORS_DIR, n.signSource),
      '--sign-value',
      n.signValue,
      '--cert',
      CERT,
    ]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^NOT VERIFIED \(certificate 03000000000cde6f/);
    assert.match(run.stdout, /- the signature does not verify over the sign source customs rebuilds/);
  });

  it('a tampered payExInfoStr is explained: bytes changed, certNo wrong, signature in the wrong form', async () => {
    const b = vectorText(vector('B').payExInfoStr ?? '');
    const changed = await verify([
      '--pay-ex-info-str',
      saved('changed.json', b.replace('济州花梨', '济州梨花')),
      '--cert',
      CERT,
    ]);
    assert.equal(changed.code, 1);
    assert.match(changed.stdout, /data changed after signing, or another key signed it/);

    const certNo = await verify([
      '--pay-ex-info-str',
      saved('certno.json', b.replace('"03000000000cde6f"', '"3000000000CDE6F"')),
      '--cert',
      CERT,
    ]);
    assert.equal(certNo.code, 1);
    assert.match(
      certNo.stdout,
      /certNo 3000000000CDE6F is the certificate's serial with other leading zeros: .* 03000000000cde6f/,
    );

    const sig = vector('B').signValue;
    const hex = Buffer.from(sig, 'base64').toString('hex');
    const asHex = await verify(['--pay-ex-info-str', saved('hex.json', b.replace(sig, hex)), '--cert', CERT]);
    assert.equal(asHex.code, 1);
    assert.match(asHex.stdout, /signValue is hex \(64 bytes\); customs wants base64/);
    assert.match(asHex.stdout, /note: sent as raw r\|\|s base64, the same signature would verify/);
  });

  it('usage and I/O errors exit 2', async () => {
    const none = await verify(['--cert', CERT]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give either --pay-ex-info-str FILE or --sign-source FILE --sign-value B64/);
    const missing = await verify(['--pay-ex-info-str', join(dir, 'nope.json'), '--cert', CERT]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the payExInfoStr/);
  });
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { runLocalDemo } from '#test/helpers/demo-run.ts';
import { scratchDir } from '#test/helpers/scratch-dir.ts';

it('the local run gets 20 of 20 grabs accepted with SIGNER_KIND=soft and a key from files (RSA-SHA1, an old card with a 4-byte serial)', async () => {
  const m = makeThrowawayCertificate({ algorithm: 'SHA1withRSA', serialHex: '011f03d1' });
  const dir = scratchDir('ceb-grab-soft-');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  writeFileSync(key, m.privateKeyPem, { mode: 0o600 });
  writeFileSync(cert, m.certificatePem);
  const { result, signer } = await runLocalDemo({
    SIGNER_KIND: 'soft',
    SOFT_SIGNER_KEY: key,
    SOFT_SIGNER_CERT: cert,
  });
  assert.match(signer, /^soft/);
  assert.equal(result.accepted, 20, JSON.stringify(result.sessions.filter((s) => s.state !== 'uploaded')));
  // The card's 8-digit certNo, as customs has it registered: never padded to 16.
  assert.ok(result.sessions.every((s) => s.certNo === '011f03d1'));
});

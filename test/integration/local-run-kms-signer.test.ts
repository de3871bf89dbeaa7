import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runLocalDemo } from '#test/helpers/demo-run.ts';

// moto has neither SM2 keys nor DIGEST signing, so the local run puts the KMS test double
// (doubles/kms-double) in front of a throwaway SM2 key; the worker's KmsSigner speaks real KMS JSON to it.
it('the local run gets 20 of 20 grabs accepted with SIGNER_KIND=kms against the KMS test double', async () => {
  const { result, signer } = await runLocalDemo({ SIGNER_KIND: 'kms' });
  assert.match(signer, /^kms \(the KMS test double/);
  assert.equal(result.accepted, 20, JSON.stringify(result.sessions.filter((s) => s.state !== 'uploaded')));
  // An SM2 card's certNo: its 8-byte serial as 16 hex digits.
  assert.ok(result.sessions.every((s) => /^03[0-9a-f]{14}$/.test(s.certNo ?? '')));
});

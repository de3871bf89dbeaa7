import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoCertificateRegistry } from '#adapters/dynamodb/certificate-registry.ts';
import { DynamoPinHoldStore } from '#adapters/dynamodb/pin-hold-store.ts';
import {
  CertificateExpiredError,
  CertificateNotRegisteredError,
  ConfigError,
  ValidationError,
} from '#core/errors.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';

/** The certificate registry against a real moto_server over HTTP. */

const DAY = 86_400_000;
const sm2Card = makeThrowawayCertificate();
const rsaCard = makeThrowawayCertificate({ algorithm: 'SHA1withRSA' });

let aws: LocalAws;
let client: DynamoDBClient;
let table: string;
let clock: { t: number; now(): number };
let registry: DynamoCertificateRegistry;

before(async () => {
  aws = await startLocalAws();
  client = new DynamoDBClient({});
});
after(async () => {
  client?.destroy();
  await aws?.stop();
});
beforeEach(async () => {
  table = (await aws.fresh()).certificatesTable;
  clock = { t: Date.now(), now: () => clock.t };
  registry = new DynamoCertificateRegistry(client, table, { clock, cacheTtlMs: 60_000 });
});

describe('the certificate registry', () => {
  it('holds several ebpCodes, each with its own signer, key and certificate', async () => {
    await registry.put({
      ebpCode: 'E-SM2',
      signer: 'kms',
      keyId: 'alias/eport-sm2',
      certificatePem: sm2Card.certificatePem,
    });
    await registry.put({
      ebpCode: 'E-RSA',
      signer: 'hsm-proxy',
      keyId: 'ukey-1',
      certificatePem: rsaCard.certificatePem,
      note: 'old card, renew in spring',
    });

    const sm2Key = await registry.keyFor('E-SM2');
    assert.deepEqual(
      { signer: sm2Key.signer, keyId: sm2Key.keyId, certNo: sm2Key.certificate.certNo },
      { signer: 'kms', keyId: 'alias/eport-sm2', certNo: sm2Card.certNo },
    );
    assert.equal(sm2Key.certificate.algorithm, 'SM3withSM2');
    const rsaKey = await registry.keyFor('E-RSA');
    assert.equal(rsaKey.certificate.certNo, rsaCard.certNo);
    assert.equal(rsaKey.certificate.algorithm, 'SHA1withRSA');

    const listed = await registry.list();
    assert.deepEqual(
      listed.map((r) => [r.ebpCode, r.signer, r.keyId, r.certNo, r.algorithm, r.note]),
      [
        ['E-RSA', 'hsm-proxy', 'ukey-1', rsaCard.certNo, 'SHA1withRSA', 'old card, renew in spring'],
        ['E-SM2', 'kms', 'alias/eport-sm2', sm2Card.certNo, 'SM3withSM2', undefined],
      ],
    );
    assert.ok(
      listed.every((r) => Date.parse(r.notAfter) > clock.t && r.certificatePem.includes('CERTIFICATE')),
    );
  });

  it('an unknown ebpCode names itself and the command that registers it', async () => {
    await assert.rejects(registry.keyFor('E-NONE'), (e: Error) => {
      assert.ok(e instanceof CertificateNotRegisteredError);
      assert.equal(e.retryable, false);
      assert.match(e.message, /ebpCode E-NONE/);
      assert.match(e.message, /ceb-grab certs add --ebp-code E-NONE/);
      return true;
    });
  });

  it('replacing a certificate reaches other containers once their cache runs out', async () => {
    await registry.put({
      ebpCode: 'E1',
      signer: 'soft',
      keyId: 'soft',
      certificatePem: sm2Card.certificatePem,
    });
    const other = new DynamoCertificateRegistry(client, table, { clock, cacheTtlMs: 60_000 });
    assert.equal((await other.keyFor('E1')).certificate.certNo, sm2Card.certNo);

    const renewed = makeThrowawayCertificate();
    const { replaced } = await registry.put({
      ebpCode: 'E1',
      signer: 'soft',
      keyId: 'soft',
      certificatePem: renewed.certificatePem,
    });
    assert.equal(replaced?.certNo, sm2Card.certNo);
    assert.equal((await registry.keyFor('E1')).certificate.certNo, renewed.certNo);
    assert.equal((await other.keyFor('E1')).certificate.certNo, sm2Card.certNo, 'cached');
    clock.t += 61_000;
    assert.equal((await other.keyFor('E1')).certificate.certNo, renewed.certNo);
  });

  it('remove is safe to run twice; the ebpCode is then unknown', async () => {
    await registry.put({
      ebpCode: 'E1',
      signer: 'soft',
      keyId: 'soft',
      certificatePem: sm2Card.certificatePem,
    });
    await registry.keyFor('E1');
    assert.equal((await registry.remove('E1'))?.certNo, sm2Card.certNo);
    assert.equal(await registry.remove('E1'), undefined);
    await assert.rejects(registry.keyFor('E1'), CertificateNotRegisteredError);
    assert.deepEqual(await registry.list(), []);
  });

  it('refuses an expired certificate, an RSA certificate for KMS, and what is no certificate', async () => {
    const expired = makeThrowawayCertificate({
      notBefore: new Date(clock.t - 400 * DAY),
      notAfter: new Date(clock.t - DAY),
    });
    await assert.rejects(
      registry.put({ ebpCode: 'E1', signer: 'soft', keyId: 'soft', certificatePem: expired.certificatePem }),
      CertificateExpiredError,
    );
    await assert.rejects(
      registry.put({ ebpCode: 'E1', signer: 'kms', keyId: 'k', certificatePem: rsaCard.certificatePem }),
      (e: Error) => e instanceof ValidationError && /KMS cannot make SHA1withRSA/.test(e.message),
    );
    await assert.rejects(
      registry.put({ ebpCode: 'E1', signer: 'soft', keyId: 'soft', certificatePem: 'hello' }),
      ValidationError,
    );
    assert.deepEqual(await registry.list(), []);
  });

  it("shares its table with the PIN guard's holds: the registry lists certificates only, the holds list and clear", async () => {
    await registry.put({
      ebpCode: 'E1',
      signer: 'hsm-proxy',
      keyId: 'k',
      certificatePem: rsaCard.certificatePem,
    });
    const holds = new DynamoPinHoldStore(client, table);
    const proxy = 'https://signer.example:8443';
    await holds.hold(proxy, 1_000, 'SIGNER_SUSPECT_PIN: 加签失败', false);
    assert.deepEqual(
      (await registry.list()).map((r) => r.ebpCode),
      ['E1'],
    );
    assert.deepEqual(await holds.list(), [
      { signerId: proxy, hold: { heldAt: 1_000, reason: 'SIGNER_SUSPECT_PIN: 加签失败' } },
    ]);
    // One container claims the probe of a hold; the next claim of the same hold is refused.
    const held = (await holds.get(proxy)) ?? assert.fail('no hold');
    assert.equal(await holds.claimProbe(proxy, held, 2_000), true);
    assert.equal(await holds.claimProbe(proxy, held, 2_001), false);
    // An operator's clear makes one more probe possible; a release ends the hold.
    await holds.clear(proxy, 3_000);
    assert.equal(await holds.claimProbe(proxy, held, 3_001), true);
    await holds.release(proxy);
    assert.deepEqual(await holds.list(), []);
  });

  it('a row that is not a registry row is reported with its ebpCode, not used', async () => {
    const doc = DynamoDBDocumentClient.from(client);
    await doc.send(
      new PutCommand({ TableName: table, Item: { ebpCode: 'E-BAD', signer: 'usb', keyId: 'x' } }),
    );
    await assert.rejects(registry.keyFor('E-BAD'), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /row E-BAD .* malformed \(signer: /);
      return true;
    });
  });
});

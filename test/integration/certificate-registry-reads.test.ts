import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DynamoCertificateRegistry } from '#adapters/dynamodb/certificate-registry.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { countingDynamoClient } from '#test/helpers/counting-dynamo.ts';
import { type LocalAws, startLocalAws } from '#test/helpers/local-aws.ts';

/** How often the worker reads the registry (moto over HTTP): once per ebpCode and cache period. */

const card = makeThrowawayCertificate();
let aws: LocalAws;
const { client, requests } = countingDynamoClient();

before(async () => {
  aws = await startLocalAws();
});
after(async () => {
  client.destroy();
  await aws?.stop();
});

describe('the certificate registry in a warm worker', () => {
  it('reads an ebpCode once for the records of a batch that miss the cache together', async () => {
    const table = (await aws.fresh()).certificatesTable;
    const clock = { t: Date.now(), now: () => clock.t };
    const registry = new DynamoCertificateRegistry(client, table, { clock, cacheTtlMs: 60_000 });
    await registry.put({
      ebpCode: 'E-1',
      signer: 'soft',
      keyId: 'soft',
      certificatePem: card.certificatePem,
    });
    requests.length = 0;

    const batch = () => Promise.all(Array.from({ length: 10 }, () => registry.keyFor('E-1')));
    const keys = await batch();
    assert.deepEqual(new Set(keys.map((k) => k.certificate.certNo)), new Set([card.certNo]));
    assert.equal(requests.length, 1, requests.join(', '));

    await batch();
    assert.equal(requests.length, 1, 'served from the cache');

    clock.t += 60_001;
    await batch();
    assert.equal(requests.length, 2, 'read again, once, when the cache period ends');
  });

  it('lets every waiting record see a missing registration, and reads again on the next batch', async () => {
    const table = (await aws.fresh()).certificatesTable;
    const registry = new DynamoCertificateRegistry(client, table);
    requests.length = 0;
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => registry.keyFor('E-NONE')));
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.equal(requests.length, 1);
    await registry.put({
      ebpCode: 'E-NONE',
      signer: 'soft',
      keyId: 'soft',
      certificatePem: card.certificatePem,
    });
    assert.equal((await registry.keyFor('E-NONE')).certificate.certNo, card.certNo);
  });
});

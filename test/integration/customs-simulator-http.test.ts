import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type CustomsSimulator,
  makeSignedUpload,
  startCustomsSimulator,
} from '#doubles/customs-simulator/index.ts';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { makePayment } from '#test/helpers/payments.ts';
import { vectorsFile, vectorText } from '#test/helpers/vectors.ts';

const EBP = '46016602EV';
const cert = makeThrowawayCertificate();

/** POST an upload the way the product must: form-encoded, one field. */
async function upload(
  sim: CustomsSimulator,
  payExInfoStr: string,
  contentType = 'application/x-www-form-urlencoded; charset=UTF-8',
) {
  const res = await fetch(sim.uploadUrl, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new URLSearchParams({ payExInfoStr }).toString(),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

const admin = async (sim: CustomsSimulator, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A tiny platform: records each grab it receives and answers 10000, then runs `onGrab`. */
async function startPlatform(onGrab: (openReq: string) => void = () => {}) {
  const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ code: '10000', message: '', serviceTime: Date.now() }));
      onGrab(new URLSearchParams(body).get('openReq') ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/platDataOpen`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('customs simulator over HTTP', () => {
  let sim: CustomsSimulator;
  before(async () => {
    sim = await startCustomsSimulator();
    sim.registerCertificate(EBP, cert.certificatePem);
  });
  after(() => sim.close());

  it("listens on loopback and answers an accepted upload with customs' JSON", async () => {
    assert.match(sim.uploadUrl, /^http:\/\/127\.0\.0\.1:\d+\/ceb2grab\/grab\/realTimeDataUpload$/);
    const payment = makePayment({ ebpCode: EBP }, ['SO-H-1', 'SO-H-2']);
    sim.declarePayment(payment.payTransactionId, ['SO-H-1', 'SO-H-2']);
    const sessionID = sim.registerSession('SO-H-2');
    const text = makeSignedUpload({ sessionID, payment, signer: cert });
    const before = Date.now();
    const r = await upload(sim, text);
    assert.equal(r.status, 200);
    assert.match(r.contentType ?? '', /^application\/json/);
    assert.deepEqual(
      { ...r.body, serviceTime: undefined },
      { code: '10000', message: '上传成功', total: 0, serviceTime: undefined },
    );
    assert.ok(typeof r.body.serviceTime === 'number' && r.body.serviceTime >= before);
    assert.deepEqual(
      sim.uploads(sessionID).map((u) => [u.payExInfoStr, u.code]),
      [[text, '10000']],
    );

    const again = await upload(sim, makeSignedUpload({ sessionID, payment, signer: cert }));
    assert.equal(again.body.code, '20000');
    assert.match(String(again.body.message), /入库失败/);
  });

  it('refuses a body that is not a form (20001) and routes it cannot serve', async () => {
    const sessionID = sim.registerSession('SO-H-3');
    const text = makeSignedUpload({
      sessionID,
      payment: makePayment({ ebpCode: EBP }, ['SO-H-3']),
      signer: cert,
    });
    const asJson = await fetch(sim.uploadUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    assert.equal(((await asJson.json()) as { code: string }).code, '20001');
    assert.equal((await fetch(sim.uploadUrl)).status, 405);
    assert.equal((await fetch(`${sim.url}/nope`, { method: 'POST' })).status, 404);
    assert.equal(sim.session(sessionID)?.status, 'issued', 'an upload it could not read names no session');
  });

  it('sends grabs as form openReq with the Apache user agent, and tracks the session', async () => {
    const platform = await startPlatform();
    try {
      const g = await sim.sendGrab(platform.url, 'SO-G-1');
      const odd = await sim.sendGrab(platform.url, 'SO-G-2', {
        escapeQuotes: true,
        serviceTimeAsString: true,
      });
      assert.equal(g.httpStatus, 200);
      assert.deepEqual((g.reply as { code: string }).code, '10000');
      const [first, second] = platform.received;
      assert.equal(first?.method, 'POST');
      assert.equal(first?.headers['user-agent'], 'Apache-HttpClient/4.5.13 (Java/1.8.0_202)');
      assert.equal(first?.headers['content-type'], 'application/x-www-form-urlencoded; charset=UTF-8');
      const openReq = new URLSearchParams(first?.body ?? '').get('openReq');
      assert.deepEqual(JSON.parse(openReq ?? ''), {
        orderNo: 'SO-G-1',
        sessionID: g.sessionID,
        serviceTime: g.sentAt,
      });
      assert.equal(
        new URLSearchParams(second?.body ?? '').get('openReq'),
        `{&quot;orderNo&quot;:&quot;SO-G-2&quot;,&quot;sessionID&quot;:&quot;${odd.sessionID}&quot;,&quot;serviceTime&quot;:&quot;${odd.sentAt}&quot;}`,
      );
      assert.deepEqual(
        {
          orderNo: sim.session(g.sessionID)?.orderNo,
          status: sim.session(g.sessionID)?.status,
          grabs: sim.session(g.sessionID)?.grabsSent,
        },
        { orderNo: 'SO-G-1', status: 'issued', grabs: 1 },
      );
      // customs retrying a grab re-sends the same session
      const retry = await sim.sendGrab(platform.url, 'SO-G-1', { sessionID: g.sessionID });
      assert.equal(retry.sessionID, g.sessionID);
      assert.equal(sim.session(g.sessionID)?.grabsSent, 2);
    } finally {
      await platform.close();
    }
  });

  it('records a grab it could not deliver and throws', async () => {
    const platform = await startPlatform();
    await platform.close();
    await assert.rejects(sim.sendGrab(platform.url, 'SO-G-DOWN'));
    const s = sim.sessions().find((x) => x.orderNo === 'SO-G-DOWN');
    assert.ok(s?.grabError);
  });

  it('knows a session before the grab reply, so a platform that uploads at once is accepted', async () => {
    const payment = makePayment({ ebpCode: EBP }, ['SO-FAST-1']);
    let uploaded: Promise<unknown> = Promise.resolve();
    const platform = await startPlatform((openReq) => {
      const { sessionID } = JSON.parse(openReq) as { sessionID: string };
      uploaded = upload(sim, makeSignedUpload({ sessionID, payment, signer: cert }));
    });
    try {
      const g = await sim.sendGrab(platform.url, 'SO-FAST-1');
      const [s] = await sim.waitForAccepted([g.sessionID], 5_000);
      await uploaded;
      assert.equal(s?.status, 'accepted');
      assert.ok((s?.latencyMs ?? -1) >= 0);
    } finally {
      await platform.close();
    }
  });

  it('answers 入库失败 to a first upload it could not store, holds nothing, and accepts the next one', async () => {
    const payment = makePayment({ ebpCode: EBP }, ['SO-H-STORE']);
    sim.declarePayment(payment.payTransactionId, ['SO-H-STORE']);
    const sessionID = sim.registerSession('SO-H-STORE');
    const text = makeSignedUpload({ sessionID, payment, signer: cert });
    sim.setFaults({ storageFailureFirstRate: 1 });
    try {
      const first = await upload(sim, text);
      assert.deepEqual([first.body.code, first.body.message], ['20000', '入库失败']);
      assert.deepEqual(sim.uploads(sessionID), [], 'customs stored nothing of the first upload');
      assert.equal(sim.session(sessionID)?.status, 'issued');
      const second = await upload(sim, text);
      assert.equal(second.body.code, '10000');
      assert.equal(sim.session(sessionID)?.status, 'accepted');
      assert.deepEqual(sim.faultsOf(sessionID), ['storage-failure']);
      assert.equal(sim.faultsInjected()['storage-failure'], 1);
    } finally {
      sim.setFaults({});
    }
  });

  it('applies simulated latency from its faults', async () => {
    sim.setFaults({ latencyMs: 150 });
    try {
      const t = Date.now();
      await upload(sim, 'not json');
      assert.ok(Date.now() - t >= 140, 'the reply waited for the simulated processing time');
    } finally {
      sim.setFaults({});
    }
  });

  it('accepts the real card-signed vector B through the admin API, and refuses it with one head byte changed', async () => {
    const file = vectorsFile();
    const text = vectorText(file.vectors.find((v) => v.name === 'B')?.payExInfoStr ?? '').trim();
    const reg = await admin(sim, 'POST', '/sim/certificates', {
      ebpCode: '46016602EV',
      certificatePem: vectorText(file.certificate),
    });
    assert.deepEqual(reg, {
      status: 201,
      body: { ebpCode: '46016602EV', certNo: '03000000000cde6f', algorithm: 'SM3withSM2' },
    });
    const sessionID = 'IHWESX-WEASLEY-20230712210643-X7E4PL';
    assert.equal(
      (await admin(sim, 'POST', '/sim/sessions', { orderNo: '202009231454218421271832', sessionID })).status,
      201,
    );
    assert.equal(
      (
        await admin(sim, 'POST', '/sim/payments', {
          payTransactionId: '4200000681202009235085032319',
          orderNos: ['202009231454218421271832'],
        })
      ).status,
      201,
    );

    const tampered = await upload(sim, text.replace('"payCode":"1537923071"', '"payCode":"1537923072"'));
    assert.equal(tampered.body.code, '20005', String(tampered.body.message));
    const accepted = await upload(sim, text);
    assert.equal(accepted.body.code, '10000', String(accepted.body.message));

    const sessions = (await admin(sim, 'GET', '/sim/sessions')).body.sessions as {
      sessionID: string;
      status: string;
      uploads: number;
    }[];
    assert.deepEqual(
      sessions.filter((s) => s.sessionID === sessionID).map((s) => [s.status, s.uploads]),
      [['accepted', 2]],
    );
    const uploads = (await admin(sim, 'GET', `/sim/uploads?sessionID=${sessionID}`)).body.uploads as {
      code: string;
    }[];
    assert.deepEqual(
      uploads.map((u) => u.code),
      ['20005', '10000'],
    );
  });

  it('sends grabs, sets faults and refuses bad bodies over the admin API', async () => {
    const platform = await startPlatform();
    try {
      const g = await admin(sim, 'POST', '/sim/grabs', {
        platDataOpenUrl: platform.url,
        orderNo: 'SO-ADMIN-1',
      });
      assert.equal(g.status, 200);
      assert.equal(g.body.httpStatus, 200);
      const one = await admin(sim, 'GET', `/sim/sessions/${String(g.body.sessionID)}`);
      assert.equal(one.body.orderNo, 'SO-ADMIN-1');
      assert.deepEqual((await admin(sim, 'PUT', '/sim/faults', { latencyMs: 5 })).body, { latencyMs: 5 });
      sim.setFaults({});
      const bad = await admin(sim, 'POST', '/sim/payments', { payTransactionId: 'P', orderNos: [] });
      assert.equal(bad.status, 400);
      const badCert = await admin(sim, 'POST', '/sim/certificates', { ebpCode: 'X', certificatePem: 'nope' });
      assert.equal(badCert.status, 400);
      assert.equal((await admin(sim, 'GET', '/sim/sessions/unknown-session')).status, 404);
    } finally {
      await platform.close();
    }
  });
});

describe('customs simulator lifecycle', () => {
  it('closes promptly with a keep-alive connection open, failing pending waits', async () => {
    const sim = await startCustomsSimulator();
    const sessionID = sim.registerSession('SO-CLOSE');
    const waiting = assert.rejects(sim.waitForAccepted([sessionID], 60_000), /closed/);
    await fetch(`${sim.url}/sim/sessions`); // leaves a pooled keep-alive connection
    const t = Date.now();
    await sim.close();
    await waiting;
    assert.ok(Date.now() - t < 1_000);
    await sim.close(); // twice is fine
  });
});

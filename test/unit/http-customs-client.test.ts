import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpCustomsClient } from '#adapters/customs/http-customs-client.ts';
import { CustomsUnavailableError } from '#core/errors.ts';

/** What customs' upload endpoint receives, and how it answers. */
interface Received {
  method: string | undefined;
  path: string | undefined;
  contentType: string | undefined;
  body: string;
  socketPort: number | undefined;
}

describe('HttpCustomsClient', () => {
  const received: Received[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const server = createServer(async (req, res) => {
    received.push({
      method: req.method,
      path: req.url,
      contentType: req.headers['content-type'],
      body: await text(req),
      socketPort: req.socket.remotePort,
    });
    answer(req, res);
  });
  let url = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ceb2grab/grab/realTimeDataUpload`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    answer = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
        .end('{"code":"10000","message":"上传成功"}');
  });

  it('posts payExInfoStr as the one form field and returns status and body', async () => {
    const payExInfoStr = '{"sessionID":"S-1","goods":"奶粉 & 尿布 +1","link":"https://x.y/z?a=1&b=2"}';
    const reply = await new HttpCustomsClient(url, 5_000).upload(payExInfoStr);
    assert.deepEqual(reply, { status: 200, body: '{"code":"10000","message":"上传成功"}' });
    const [got] = received;
    assert.equal(got?.method, 'POST');
    assert.equal(got?.path, '/ceb2grab/grab/realTimeDataUpload');
    assert.equal(got?.contentType, 'application/x-www-form-urlencoded; charset=UTF-8');
    // The same bytes URLSearchParams makes (what fetch sent): spaces as '+', UTF-8 percent-encoded.
    assert.equal(got?.body, new URLSearchParams({ payExInfoStr }).toString());
    assert.equal(new URLSearchParams(got?.body).get('payExInfoStr'), payExInfoStr);
  });

  it('returns a 5xx as it is (the use case decides to retry)', async () => {
    answer = (_req, res) => res.writeHead(503).end('busy');
    assert.deepEqual(await new HttpCustomsClient(url, 5_000).upload('{}'), { status: 503, body: 'busy' });
  });

  it('keeps the connection alive between uploads', async () => {
    const client = new HttpCustomsClient(url, 5_000);
    await client.upload('{"n":1}');
    await client.upload('{"n":2}');
    assert.equal(received.length, 2);
    assert.equal(received[0]?.socketPort, received[1]?.socketPort);
  });

  it('gives up after the timeout, reply body included, as CustomsUnavailableError', async () => {
    answer = (_req, res) => res.writeHead(200).write('{"code":'); // never ends
    const started = Date.now();
    const error = await new HttpCustomsClient(url, 200).upload('{}').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
    assert.equal(error.retryable, true);
    assert.match(error.message, /could not be reached at http:\/\/127\.0\.0\.1:\d+\/ceb2grab/);
    assert.ok(Date.now() - started < 3_000);
  });

  it('fails as CustomsUnavailableError when the connection drops in the middle of the reply', async () => {
    answer = (req, res) => {
      res.writeHead(200).write('{"code":');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const error = await new HttpCustomsClient(url, 5_000).upload('{}').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
  });

  it('fails as CustomsUnavailableError when nothing listens', async () => {
    const error = await new HttpCustomsClient('http://127.0.0.1:1/upload', 2_000).upload('{}').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
    assert.match(error.message, /ECONNREFUSED/);
  });

  it('tells that a refused connection could not have reached customs', async () => {
    const error = await new HttpCustomsClient('http://127.0.0.1:1/upload', 2_000).upload('{}').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
    assert.equal(error.mayHaveReachedCustoms, false);
    assert.match(error.message, /the request was not sent/);
  });

  it('tells that a connection cut before the body was written could not have reached customs', async () => {
    // customs drops the connection as soon as the headers arrive, long before 8 MB of body are written.
    const cutting = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => cutting.listen(0, '127.0.0.1', resolve));
    try {
      const port = (cutting.address() as AddressInfo).port;
      const error = await new HttpCustomsClient(`http://127.0.0.1:${port}/upload`, 5_000)
        .upload('x'.repeat(8 * 1024 * 1024))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
      assert.equal(error.mayHaveReachedCustoms, false);
    } finally {
      cutting.closeAllConnections();
      await new Promise((resolve) => cutting.close(resolve));
    }
  });

  it('tells that a reply lost after the request was written may have reached customs', async () => {
    // customs read the whole upload (and may have stored it), then the connection dropped.
    answer = (req) => req.socket.destroy();
    const error = await new HttpCustomsClient(url, 5_000).upload('{"sessionID":"S-1"}').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
    assert.equal(received.length, 1, 'customs got the upload');
    assert.equal(error.mayHaveReachedCustoms, true);
  });

  it('tells that a timeout after the request was written may have reached customs', async () => {
    answer = () => undefined; // reads the upload, never answers
    const error = await new HttpCustomsClient(url, 200).upload('{}').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof CustomsUnavailableError, `got ${String(error)}`);
    assert.equal(error.mayHaveReachedCustoms, true);
  });

  it('does not follow redirects: the payload goes to the configured URL only', async () => {
    answer = (_req, res) => res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    const reply = await new HttpCustomsClient(url, 5_000).upload('{}');
    assert.equal(reply.status, 307);
    assert.equal(received.length, 1);
  });
});

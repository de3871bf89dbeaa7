/**
 * Run by `npm run bench` as its own process, so that none of its CPU is counted as the worker's:
 *
 * - a keep-alive proxy in front of moto: moto answers every request with `Connection: close`, so the
 *   SDK opens a TCP connection per call, which AWS endpoints do not make it do. Through the proxy the
 *   worker's process sees what it sees in AWS: one kept-alive connection reused (minus TLS);
 * - customs that accepts every upload at once (the real simulator checks each signature, in the
 *   worker's process).
 *
 * Prints {"proxyUrl", "customsUrl"} as one JSON line; stops when its stdin closes.
 */
import { Agent, createServer, request } from 'node:http';

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:5000');
const upstream = new Agent({ keepAlive: false });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

const proxy = createServer((req, res) => {
  const headers = { ...req.headers, host: target.host };
  const out = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: upstream },
    (reply) => {
      const back = Object.fromEntries(
        Object.entries(reply.headers).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase())),
      );
      res.writeHead(reply.statusCode ?? 502, back);
      reply.pipe(res);
    },
  );
  out.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(String(e));
  });
  req.pipe(out);
});
proxy.keepAliveTimeout = 60_000;

const REPLY = (now) => JSON.stringify({ code: '10000', message: '上传成功', serviceTime: now });
const customs = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(REPLY(Date.now()));
  });
});
customs.keepAliveTimeout = 60_000;

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const [proxyPort, customsPort] = await Promise.all([listen(proxy), listen(customs)]);
process.stdout.write(
  `${JSON.stringify({
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    customsUrl: `http://127.0.0.1:${customsPort}/ceb2grab/grab/realTimeDataUpload`,
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));

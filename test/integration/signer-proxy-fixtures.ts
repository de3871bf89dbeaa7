import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { parseCertificate } from '#core/crypto/certificate.ts';
import type { SigningKey } from '#core/ports.ts';
import type { ThrowawayCertificate } from '#local/throwaway-certificate.ts';
import type { SigningBackend } from '#signer-proxy/backend.ts';

/** A sign source with CJK and slashes, as real ones have: the bytes must survive both protocols. */
export const SIGN_SOURCE =
  '"sessionID":"IHWESX-20230712"||"payExchangeInfoHead":"{"guid":"9D55BA71-22DE-41F4-8B50-C36C83B3B530",' +
  '"initalRequest":"https://pay.example.com/","ebpCode":"46016602EV","note":"批量订单"}"||' +
  '"payExchangeInfoLists":"[{"orderNo":"SO1","goodsInfo":[{"gname":"奶粉","itemLink":"http://m.example.com/a/b"}]}]"||' +
  '"serviceTime":"1533271903898"';

export const TOKEN = 'test-token-5f1c-00112233445566778899';

/** The registered key of an ebpCode whose certificate is `material`'s. */
export const keyFor = (material: ThrowawayCertificate, keyId = 'default'): SigningKey => ({
  ebpCode: '46016602EV',
  signer: 'hsm-proxy',
  keyId,
  certificate: parseCertificate(material.certificatePem),
});

/** A backend that takes `ms` longer per signature, to make overlap and timeouts observable. */
export const slowBackend = (backend: SigningBackend, ms: number): SigningBackend => ({
  ...backend,
  sign: async (data) => {
    await delay(ms);
    return backend.sign(data);
  },
});

/** A port nothing listens on (for now). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that answers every request with what `reply` says: a proxy that misbehaves on purpose. */
export async function startCannedProxy(
  reply: (
    req: IncomingMessage,
    body: string,
  ) => { status: number; body: string | object; headers?: Record<string, string> },
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests += 1;
    let body = '';
    for await (const chunk of req) body += chunk;
    const r = reply(req, body);
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    res.writeHead(r.status, {
      'content-type': typeof r.body === 'string' ? 'text/html' : 'application/json',
      ...r.headers,
    });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

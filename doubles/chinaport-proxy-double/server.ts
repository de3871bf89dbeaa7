import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CHINAPORT_CERT_PATH,
  CHINAPORT_SIGN_PATH,
  CHINAPORT_TOKEN_HEADER,
} from '#adapters/signers/hsm-proxy-protocol.ts';
import { parseCertificate } from '#core/crypto/certificate.ts';
import { parsePrivateKey } from '#core/crypto/private-key.ts';
import { rsaSha1Sign } from '#core/crypto/rsa.ts';
import { sm2Sign } from '#core/crypto/sm2.ts';
import { makeThrowawayCertificate, type ThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { readBody } from '#signer-proxy/http-io.ts';

/**
 * A test double of chinaport-data-signature, the open-source Java signing proxy in front of an
 * E-Port card, as its public code behaves (docs/protocol.md §6):
 * - every reply is HTTP 200 with `{code, success, message, timestamp, data}`: 200 signed, 401
 *   Unauthorized (auth on), 500 "加签失败" (the card did not sign: busy, timed out, or a wrong PIN,
 *   which looks the same), 10001 validation (data is a map), 10000 anything else;
 * - one websocket wrapper holds the payload and the result for every request, so two requests
 *   in flight at once can get each other's signature: this double crosses them the same way;
 * - `GET /rpc/eport/cert/download` is the card's *encryption* certificate as bare base64.
 * The PIN lives in the proxy's configuration: `setPinWrong(true)` makes every presentation a wrong
 * PIN, counted by the card, which locks after `lockAfter` of them (then nothing signs again).
 */
export interface ChinaportProxyDoubleOptions {
  /** the signing certificate and key; a throwaway SM2 one when not given */
  readonly certificate?: ThrowawayCertificate;
  /** the encryption certificate the download serves; a throwaway of the same algorithm when not given */
  readonly encryptionCertificate?: ThrowawayCertificate;
  /** checked when given (its auth enabled); the real default is DefaultAuthToken */
  readonly token?: string;
  /** how long the card takes per signature; default 20 ms (a real card: about 240) */
  readonly latencyMs?: number;
  /** wrong PINs before the card locks; default 3 */
  readonly lockAfter?: number;
  /** the certNo as the card reports it (default: the certificate's serial in hex) */
  readonly certNo?: string;
}

export interface ChinaportProxyCounts {
  readonly requests: number;
  readonly signatures: number;
  /** sign requests that were in flight at the same moment, at most */
  readonly maxInFlight: number;
  /** replies that carried a signature made over another request's data */
  readonly crossed: number;
  readonly wrongPins: number;
  readonly locked: boolean;
}

export interface ChinaportProxyDouble {
  readonly url: string;
  readonly certificate: ThrowawayCertificate;
  readonly encryptionCertificate: ThrowawayCertificate;
  counts(): ChinaportProxyCounts;
  /** the proxy is configured with a wrong PIN (true) or the right one again (false) */
  setPinWrong(wrong: boolean): void;
  /** the next `times` sign requests answer code 500 "加签失败" without reaching the card */
  failNext(times: number): void;
  close(): Promise<void>;
}

export async function startChinaportProxyDouble(
  options: ChinaportProxyDoubleOptions = {},
): Promise<ChinaportProxyDouble> {
  const material = options.certificate ?? makeThrowawayCertificate();
  const encryption =
    options.encryptionCertificate ?? makeThrowawayCertificate({ algorithm: material.algorithm });
  const cert = parseCertificate(material.certificatePem);
  const key = parsePrivateKey(material.privateKeyPem);
  const signWithKey = (data: string): string =>
    key.algorithm === 'SM3withSM2'
      ? sm2Sign(data, key.privateKeyHex, cert.publicKey as string)
      : rsaSha1Sign(data, key.key);
  const certNo = options.certNo ?? cert.certNo;
  const latencyMs = options.latencyMs ?? 20;
  const lockAfter = options.lockAfter ?? 3;

  const counts = { requests: 0, signatures: 0, maxInFlight: 0, crossed: 0, wrongPins: 0, locked: false };
  let inFlight = 0;
  let pinWrong = false;
  let failures = 0;
  // The one shared wrapper of the real proxy: the payload last written is what the card signs.
  const shared = { payload: '' };

  const envelope = (code: number, message: string, data: unknown) => ({
    code,
    success: code === 200,
    message,
    timestamp: String(Date.now()),
    data,
  });

  const signRequest = async (body: string): Promise<ReturnType<typeof envelope>> => {
    let data: unknown;
    try {
      data = (JSON.parse(body) as { data?: unknown }).data;
    } catch {
      return envelope(10000, 'JSON parse error', 'Caused by: com.fasterxml.jackson.core.JsonParseException');
    }
    if (typeof data !== 'string' || data === '') {
      return envelope(10001, '参数校验失败', { data: '不能为空' });
    }
    if (failures > 0) {
      failures -= 1;
      return envelope(500, '加签失败', null);
    }
    inFlight += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, inFlight);
    try {
      shared.payload = data;
      await delay(latencyMs);
      if (counts.locked) return envelope(500, '加签失败', null);
      if (pinWrong) {
        counts.wrongPins += 1;
        if (counts.wrongPins >= lockAfter) counts.locked = true;
        return envelope(500, '加签失败', null);
      }
      const signed = shared.payload;
      if (signed !== data) counts.crossed += 1;
      counts.signatures += 1;
      return envelope(200, '操作成功', {
        success: true,
        certNo,
        signatureValue: signWithKey(signed),
        x509Certificate: null,
        digestValue: null,
        signatureNode: null,
      });
    } finally {
      inFlight -= 1;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counts.requests += 1;
    const path = (req.url ?? '/').split('?')[0];
    if (options.token !== undefined && path?.startsWith('/rpc/')) {
      if (req.headers[CHINAPORT_TOKEN_HEADER] !== options.token) {
        return json(res, envelope(401, 'Unauthorized', null));
      }
    }
    if (req.method === 'GET' && path === CHINAPORT_CERT_PATH) {
      res.writeHead(200, {
        'content-type': 'application/x-x509-ca-cert',
        'content-disposition': 'attachment; filename="cert.cer"',
      });
      return void res.end(encryption.certificatePem.replace(/-----[^-]+-----|\s+/g, ''));
    }
    if (req.method === 'POST' && path === CHINAPORT_SIGN_PATH) {
      return json(res, await signRequest(await readBody(req)));
    }
    return json(res, envelope(10000, `No handler found for ${req.method} ${path}`, null));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => json(res, envelope(10000, 'error', `Caused by: ${String(e)}`)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    certificate: material,
    encryptionCertificate: encryption,
    counts: () => ({ ...counts }),
    setPinWrong: (wrong) => {
      pinWrong = wrong;
    },
    failNext: (times) => {
      failures = times;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Always HTTP 200, as the real proxy answers: the `code` in the body says what happened. */
function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(text);
}

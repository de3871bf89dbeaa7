import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import pLimit from 'p-limit';
import * as v from 'valibot';
import { type WebSocket, WebSocketServer } from 'ws';
import { parseCertificate, type SignAlgorithm } from '#core/crypto/certificate.ts';
import { parsePrivateKey } from '#core/crypto/private-key.ts';
import { rsaSha1Sign } from '#core/crypto/rsa.ts';
import { sm2Sign } from '#core/crypto/sm2.ts';
import { makeThrowawayCertificate, type ThrowawayCertificate } from '#local/throwaway-certificate.ts';
import {
  CARD_METHODS,
  CARD_STATUS_OK,
  type CardReply,
  type CardRequest,
  CardRequestSchema,
} from '#signer-proxy/card-protocol.ts';

export interface CardServiceDoubleOptions {
  /** the PIN the card accepts */
  readonly pin: string;
  /** 0 (the default) picks a free port; 127.0.0.1 only */
  readonly port?: number;
  /** a fresh throwaway SM2 certificate when not given */
  readonly certificate?: ThrowawayCertificate;
  readonly algorithm?: SignAlgorithm;
  /** time the card takes per request (a real one: about 250 ms per signature) */
  readonly latencyMs?: number;
  /**
   * the card's pace: each signature takes 1/n s in all, its own computation included (a Ukey signs
   * about 4 a second); requests still go one at a time, the rest wait in arrival order
   */
  readonly signaturesPerSecond?: number;
  /** wrong PINs before the card locks; default 3 */
  readonly lockAfter?: number;
  /** the certNo the card reports (default: its certificate's serial in hex) */
  readonly certNo?: string;
}

export interface CardServiceCounts {
  readonly requests: number;
  readonly signatures: number;
  readonly wrongPins: number;
  /** locked after `lockAfter` wrong PINs: it signs nothing again, whatever the PIN */
  readonly locked: boolean;
  /** requests that arrived while another was being answered */
  readonly overlapping: number;
  /** time spent answering requests (busy), ms: over a stretch of wall time, the card's busy fraction */
  readonly busyMs: number;
  /** requests waiting for the card now, and the one being answered */
  readonly waiting: number;
}

export interface CardServiceDouble {
  /** e.g. ws://127.0.0.1:61232 */
  readonly url: string;
  readonly port: number;
  readonly certificate: ThrowawayCertificate;
  counts(): CardServiceCounts;
  setLatency(ms: number): void;
  /** the service goes away: every connection drops and new ones are refused */
  unplug(): Promise<void>;
  /** the service is back, on the same port */
  plugIn(): Promise<void>;
  /** the service runs but the reader holds no card: requests fail with 50070 as a real reader's do */
  removeCard(): void;
  insertCard(): void;
  /** the reader fails as real ones do: 50070 (reset failed) or 50200 (could not open); undefined heals */
  readerFault(code: '50070' | '50200' | undefined): void;
  close(): Promise<void>;
}

/** What real readers say (reported by integrators of the card service, docs/protocol.md §6). */
const READER_FAILURES = {
  '50070': ['[读卡器底层库]复位读卡器失败:错误码：50070', 'Err:Custom50070'],
  '50200': ['打开读卡器失败：错误码=50200', 'Err:Custom50200'],
} as const;
/**
 * Nobody has published the service's wrong-PIN text: this is deliberately nothing a client could
 * match (a client must not present the PIN again after a failure it cannot classify).
 */
const WRONG_PIN = ['Err:Custom-double-1'];
const LOCKED = ['Err:Custom-double-2'];
/** The greeting the real service sends on connect. */
const GREETING = { _id: 0, _method: 'open', _status: '00', _args: { Result: true, Data: [], Error: [] } };

/**
 * A test double of the E-Port card's websocket service that signs with a software key: real SM2
 * (or RSA-SHA1) signatures, a PIN, one request at a time like a card, and faults on demand.
 */
export async function startCardServiceDouble(options: CardServiceDoubleOptions): Promise<CardServiceDouble> {
  const material =
    options.certificate ?? makeThrowawayCertificate({ algorithm: options.algorithm ?? 'SM3withSM2' });
  const cert = parseCertificate(material.certificatePem);
  const key = parsePrivateKey(material.privateKeyPem);
  const signWithKey = (data: string): string =>
    key.algorithm === 'SM3withSM2'
      ? sm2Sign(data, key.privateKeyHex, cert.publicKey as string)
      : rsaSha1Sign(data, key.key);
  // Real cards send the certificate as bare base64, without the PEM lines.
  const certificateBase64 = material.certificatePem.replace(/-----[^-]+-----|\s+/g, '');

  let latencyMs = options.latencyMs ?? 0;
  let fault: keyof typeof READER_FAILURES | undefined;
  const lockAfter = options.lockAfter ?? 3;
  const certNo = options.certNo ?? cert.certNo;
  const counts = { requests: 0, signatures: 0, wrongPins: 0, locked: false, overlapping: 0, busyMs: 0 };
  const card = pLimit(1);
  const pace = options.signaturesPerSecond;
  if (pace !== undefined && !(pace > 0)) throw new RangeError(`signaturesPerSecond must be > 0, not ${pace}`);

  const answer = (request: CardRequest): CardReply['_args'] => {
    if (fault) return { Result: false, Data: [], Error: [...READER_FAILURES[fault]] };
    switch (request._method) {
      case CARD_METHODS.certificate:
        return { Result: true, Data: [certificateBase64], Error: [] };
      case CARD_METHODS.certNo:
        return { Result: true, Data: [certNo], Error: [] };
      case CARD_METHODS.sign: {
        const { inData, passwd } = request.args;
        if (counts.locked) return { Result: false, Data: [], Error: LOCKED };
        if (passwd !== options.pin) {
          counts.wrongPins += 1;
          if (counts.wrongPins >= lockAfter) counts.locked = true;
          return { Result: false, Data: [], Error: WRONG_PIN };
        }
        if (typeof inData !== 'string') return { Result: false, Data: [], Error: ['inData is missing'] };
        counts.signatures += 1;
        return { Result: true, Data: [signWithKey(inData), certNo], Error: [] };
      }
      default:
        return { Result: false, Data: [], Error: [`unknown method ${request._method}`] };
    }
  };

  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (socket: WebSocket) => {
    socket.send(JSON.stringify(GREETING));
    socket.on('message', (raw) => {
      const parsed = v.safeParse(CardRequestSchema, parseJson(raw.toString()));
      if (!parsed.success) return; // the real service's answer to garbage is not known; stay silent
      counts.requests += 1;
      if (card.activeCount + card.pendingCount > 0) counts.overlapping += 1;
      void card(async () => {
        const started = performance.now();
        if (latencyMs > 0) await delay(latencyMs);
        const reply: CardReply = {
          _id: parsed.output._id,
          _method: parsed.output._method,
          _status: CARD_STATUS_OK,
          _args: answer(parsed.output),
        };
        if (pace && parsed.output._method === CARD_METHODS.sign) {
          const left = started + 1000 / pace - performance.now();
          if (left > 0) await delay(left);
        }
        counts.busyMs += performance.now() - started;
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply));
      });
    });
  });

  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('websocket only');
  });
  http.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of wss.clients) socket.terminate();
      if (!http.listening) return resolve();
      http.close(() => resolve());
      http.closeAllConnections();
    });

  await listen(options.port ?? 0);
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    certificate: material,
    counts: () => ({ ...counts, waiting: card.activeCount + card.pendingCount }),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    unplug: stop,
    plugIn: () => (http.listening ? Promise.resolve() : listen(port)),
    removeCard: () => {
      fault = '50070';
    },
    insertCard: () => {
      fault = undefined;
    },
    readerFault: (code) => {
      fault = code;
    },
    close: async () => {
      await stop();
      wss.close();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

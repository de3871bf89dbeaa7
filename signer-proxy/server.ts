import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import {
  CHINAPORT_CERT_PATH,
  CHINAPORT_SIGN_PATH,
  HEALTH_PATH,
  KEYS_PATH,
  SIGN_PATH,
} from '#adapters/signers/hsm-proxy-protocol.ts';
import { ConfigError } from '#core/errors.ts';
import { tokenChecker } from './auth.ts';
import { asProxyError, SignerProxyError, type SigningBackend } from './backend.ts';
import { defaultProxyLog, type ProxyLog } from './log.ts';
import {
  handleChinaportCertificate,
  handleChinaportSign,
  handleDescribeKey,
  handleHealth,
  handleSign,
  sendChinaportError,
  sendError,
} from './routes.ts';
import type { ProxyContext } from './signing.ts';
import { SignerStats, type StatsSnapshot } from './stats.ts';

export interface SignerProxyOptions {
  readonly backend: SigningBackend;
  /** clients present it as a bearer token or in x-auth-token-eport-sign */
  readonly token: string;
  /** default 127.0.0.1: the proxy guards a signing key, expose it only on purpose */
  readonly host?: string;
  /** 0 (the default) picks a free port */
  readonly port?: number;
  readonly log?: ProxyLog;
  readonly now?: () => number;
  /** serve HTTPS with this certificate and key (PEM): the token and the sign source must not cross a network in clear */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A token anyone could guess is no token; `openssl rand -hex 32` makes a good one. */
export const MIN_TOKEN_LENGTH = 32;

export interface SignerProxy {
  /** e.g. http://127.0.0.1:8400, or https://… with `tls` */
  readonly url: string;
  readonly port: number;
  stats(): StatsSnapshot;
  /** stop listening, drop connections, close the backend */
  close(): Promise<void>;
}

/**
 * `ceb-grab signer`: our signing protocol and chinaport-data-signature's on one server, in front
 * of one key. Signatures are made one at a time (a card handles one request at a time); the
 * requests wait in a queue here.
 */
export async function startSignerProxy(options: SignerProxyOptions): Promise<SignerProxy> {
  const token = options.token.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `the signer's token must be at least ${MIN_TOKEN_LENGTH} characters (it has ${token.length}): make one with \`openssl rand -hex 32\``,
    );
  }
  const checkToken = tokenChecker(token);
  const ctx: ProxyContext = {
    backend: options.backend,
    stats: new SignerStats(),
    queue: pLimit(1),
    log: options.log ?? defaultProxyLog,
    now: options.now ?? Date.now,
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    // Anyone may ask whether the signer is up; which key it holds is for token holders only.
    if (method === 'GET' && path === HEALTH_PATH) return handleHealth(res, ctx, presentsToken(req));
    checkToken(req);
    if (method === 'POST' && path === SIGN_PATH) return handleSign(req, res, ctx);
    if (method === 'POST' && path === CHINAPORT_SIGN_PATH) return handleChinaportSign(req, res, ctx);
    if (method === 'GET' && path.startsWith(KEYS_PATH)) {
      return handleDescribeKey(res, ctx, decodeSegment(path.slice(KEYS_PATH.length)));
    }
    if (method === 'GET' && path === CHINAPORT_CERT_PATH) return handleChinaportCertificate(res, ctx);
    throw new SignerProxyError('NOT_FOUND', `no route ${method} ${path}`);
  };

  const presentsToken = (req: IncomingMessage): boolean => {
    try {
      checkToken(req);
      return true;
    } catch {
      return false;
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((e: unknown) => {
      const error = asProxyError(e);
      ctx.stats.failed(error.code);
      ctx.log.warn('refused', { code: error.code, reason: error.message });
      if (res.headersSent) return void res.destroy();
      const chinaport = (req.url ?? '').startsWith('/rpc/');
      (chinaport ? sendChinaportError : sendError)(res, error, ctx.now());
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats: () => ctx.stats.snapshot(ctx.queue.pendingCount),
    close: () => {
      closing ??= closeServer(server).finally(() => options.backend.close());
      return closing;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((e) => (e ? reject(e) : resolve()));
    // Keep-alive connections of clients would hold close() open.
    server.closeAllConnections();
  });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new SignerProxyError('BAD_REQUEST', `${segment} is not a well-encoded key id`);
  }
}

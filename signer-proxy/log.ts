import { Logger } from '@aws-lambda-powertools/logger';

/**
 * What the proxy logs through; tests pass a quiet one. Never given a PIN, a token or a key.
 * The proxy runs on the PC that holds the Ukey, not in Lambda, so it has its own structured logger
 * (JSON lines on stdout, service `ceb-grab-signer`) rather than the functions' one.
 */
export interface ProxyLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

// Its level follows POWERTOOLS_LOG_LEVEL, which Powertools reads itself.
const proxyLogger = new Logger({ serviceName: 'ceb-grab-signer' });

export const defaultProxyLog: ProxyLog = {
  debug: (m, f) => proxyLogger.debug(m, f ?? {}),
  info: (m, f) => proxyLogger.info(m, f ?? {}),
  warn: (m, f) => proxyLogger.warn(m, f ?? {}),
  error: (m, f) => proxyLogger.error(m, f ?? {}),
};

export const quietProxyLog: ProxyLog = { debug() {}, info() {}, warn() {}, error() {} };

import { logger } from '#adapters/observability.ts';

/** What the proxy logs through; tests pass a quiet one. Never given a PIN, a token or a key. */
export interface ProxyLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const defaultProxyLog: ProxyLog = {
  debug: (m, f) => logger.debug(m, f ?? {}),
  info: (m, f) => logger.info(m, f ?? {}),
  warn: (m, f) => logger.warn(m, f ?? {}),
  error: (m, f) => logger.error(m, f ?? {}),
};

export const quietProxyLog: ProxyLog = { debug() {}, info() {}, warn() {}, error() {} };

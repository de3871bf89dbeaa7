import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_NAMESPACE, SERVICE_NAME } from '#core/metric-names.ts';

/**
 * Structured logs and CloudWatch metrics (EMF) through Powertools, one instance per container.
 * Payloads are never logged: they carry bank accounts (recpAccount) and signatures.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });

/**
 * Metrics' own warnings go through the logger, structured. An invocation that published nothing is
 * not a fault worth a warning: the local stack runs every handler in one process, so one handler's
 * flush can empty another's set. It is logged at debug level.
 */
const metricsLog = {
  debug: (message: string) => logger.debug(message),
  info: (message: string) => logger.info(message),
  warn: (message: string) =>
    message.startsWith('No application metrics to publish') ? logger.debug(message) : logger.warn(message),
  error: (message: string) => logger.error(message),
};

export const metrics = new Metrics({
  logger: metricsLog,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRIC_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
});

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Structured logs and CloudWatch metrics (EMF) through Powertools, one instance per container.
 * Payloads are never logged: they carry bank accounts (recpAccount) and signatures.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ceb-grab' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CebGrab',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ceb-grab',
});

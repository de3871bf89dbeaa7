import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';

/** What an error mapper reports through: the function's logger and, where it counts refusals, metrics. */
export interface EdgeObservability {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

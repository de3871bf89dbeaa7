import { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { METRIC, METRIC_NAMESPACE, type MetricName, SERVICE_NAME } from '#core/metric-names.ts';

/**
 * The functions' own metrics, as Powertools writes them (EMF): namespace POWERTOOLS_METRICS_NAMESPACE and
 * a default dimension `service` = POWERTOOLS_SERVICE_NAME, which HouseFunction sets for every function.
 * A metric only matches in CloudWatch with exactly these dimensions, so alarms and the dashboard build
 * every metric here.
 */
export { METRIC, METRIC_NAMESPACE, SERVICE_NAME } from '#core/metric-names.ts';

/** The functions' counts grouped as the dashboard shows them. */
export const APP_METRICS = {
  grab: [
    METRIC.GrabQueued,
    METRIC.GrabDuplicate,
    METRIC.GrabMalformed,
    METRIC.GrabNotAccepted,
    METRIC.GrabRequeued,
    METRIC.StuckSessions,
    METRIC.GrabOrderMismatch,
  ],
  upload: [
    METRIC.UploadAccepted,
    METRIC.UploadRejected,
    METRIC.UploadFailed,
    METRIC.UploadRetrying,
    METRIC.GrabNoPaymentData,
    METRIC.GrabRedelivered,
    METRIC.DeadLettersRecorded,
  ],
  signing: [
    METRIC.SignerError,
    METRIC.SignatureSelfCheckFailed,
    METRIC.SignerSuspectPin,
    METRIC.WorkerInitFailed,
  ],
  clearanceStates: [METRIC.OrdersReleased, METRIC.OrdersRejected, METRIC.OrdersHeld],
  callbacks: [
    METRIC.ClearanceEventRecorded,
    METRIC.ClearanceEventDuplicate,
    METRIC.ClearanceCallbackRefused,
    METRIC.ClearanceCallbackInvalid,
    METRIC.ClearanceCallbackFailed,
  ],
} as const satisfies Record<string, readonly MetricName[]>;

export interface AppMetricOptions {
  readonly statistic?: string;
  readonly period?: Duration;
  /** Dimensions beyond `service`, e.g. `{ customsCode: '20004' }`. */
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly label?: string;
}

export function appMetric(metricName: MetricName, opts: AppMetricOptions = {}): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: SERVICE_NAME, ...opts.dimensions },
    statistic: opts.statistic ?? Stats.SUM,
    period: opts.period ?? Duration.minutes(5),
    ...(opts.label ? { label: opts.label } : {}),
  });
}

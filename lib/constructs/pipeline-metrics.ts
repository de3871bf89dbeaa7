import { Duration } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The functions' own metrics, as Powertools writes them (EMF): namespace POWERTOOLS_METRICS_NAMESPACE and
 * a default dimension `service` = POWERTOOLS_SERVICE_NAME, which HouseFunction sets for every function.
 * A metric only matches in CloudWatch with exactly these dimensions, so alarms and the dashboard build
 * every metric here.
 */
export const METRIC_NAMESPACE = 'CebGrab';
export const METRIC_SERVICE = 'ceb-grab';

/** What the functions emit (functions/*\/handler.ts, functions/composition/upload-worker.ts). */
export const APP_METRICS = {
  grab: ['GrabQueued', 'GrabDuplicate', 'GrabMalformed', 'GrabNotAccepted'],
  upload: [
    'UploadAccepted',
    'UploadRejected',
    'UploadFailed',
    'UploadRetrying',
    'GrabNoPaymentData',
    'GrabRedelivered',
  ],
  signing: ['SignerError', 'SignatureSelfCheckFailed'],
  clearanceStates: ['OrdersReleased', 'OrdersRejected', 'OrdersHeld'],
  callbacks: [
    'ClearanceEventRecorded',
    'ClearanceEventDuplicate',
    'ClearanceCallbackRefused',
    'ClearanceCallbackInvalid',
    'ClearanceCallbackFailed',
  ],
} as const;

export interface AppMetricOptions {
  readonly statistic?: string;
  readonly period?: Duration;
  /** Dimensions beyond `service`, e.g. `{ customsCode: '20004' }`. */
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly label?: string;
}

export function appMetric(metricName: string, opts: AppMetricOptions = {}): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRIC_SERVICE, ...opts.dimensions },
    statistic: opts.statistic ?? Stats.SUM,
    period: opts.period ?? Duration.minutes(5),
    ...(opts.label ? { label: opts.label } : {}),
  });
}

import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  MathExpression,
  Stats,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricName } from '#core/metric-names.ts';
import { CUSTOMS_UPLOAD_WINDOW_MS } from '#core/settings.ts';
import { OLDEST_GRAB_SECONDS } from './pipeline-alarms.ts';
import { APP_METRICS, appMetric, METRIC, METRIC_NAMESPACE, SERVICE_NAME } from './pipeline-metrics.ts';

export interface PipelineDashboardProps {
  readonly grabQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly api: RestApi;
  readonly alarms: readonly Alarm[];
}

const minute = Duration.minutes(1);
const counts = (names: readonly MetricName[]) => names.map((n) => appMetric(n, { period: minute, label: n }));

/**
 * One page for the stage: grabs in, uploads out, grab-to-accepted latency percentiles against customs'
 * two minutes, the queue, rejections by customs' code, signing, clearance states and callbacks, the API.
 * No dashboard name: CloudFormation makes one, so stages never collide.
 */
export class PipelineDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const wide = { width: 12, height: 6 } as const;
    const latency = ['p50', 'p90', 'p99'].map((p) =>
      appMetric(METRIC.GrabToAcceptedMs, { statistic: p, period: minute, label: `grab to accepted ${p}` }),
    );
    const twoMinutes: HorizontalAnnotation = {
      value: CUSTOMS_UPLOAD_WINDOW_MS,
      label: 'customs expects the upload by ~2 min',
    };
    const rejectionsByCode = new MathExpression({
      // Every customsCode value the worker has emitted, one line each.
      expression: `SEARCH('{${METRIC_NAMESPACE},customsCode,service} MetricName="${METRIC.UploadRejectedByCode}" service="${SERVICE_NAME}"', 'Sum', 300)`,
      label: 'rejected by customs code',
      usingMetrics: {},
      period: Duration.minutes(5),
    });
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new GraphWidget({
        ...wide,
        title: 'Grabs (platDataOpen)',
        left: counts(APP_METRICS.grab),
        stacked: true,
      }),
      new GraphWidget({
        ...wide,
        title: 'Uploads (realTimeDataUpload)',
        left: counts(APP_METRICS.upload),
        stacked: true,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        ...wide,
        title: 'Grab to accepted by customs (ms)',
        left: latency,
        leftAnnotations: [twoMinutes],
      }),
      new GraphWidget({
        ...wide,
        title: 'Grab queue',
        left: [
          props.grabQueue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: Stats.MAXIMUM }),
        ],
        leftAnnotations: [{ value: OLDEST_GRAB_SECONDS, label: 'alarm' }],
        right: [
          props.grabQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: Stats.MAXIMUM,
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: Stats.MAXIMUM,
            label: 'DLQ',
          }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        ...wide,
        title: 'Rejections by customs code (20004 = certificate not registered)',
        left: [rejectionsByCode],
      }),
      new GraphWidget({
        ...wide,
        title: 'Signing',
        left: counts(APP_METRICS.signing),
        right: [
          appMetric(METRIC.CertificateDaysLeft, {
            statistic: Stats.MINIMUM,
            period: Duration.hours(1),
            label: 'certificate days left',
          }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        ...wide,
        title: 'Clearance states reached',
        left: counts(APP_METRICS.clearanceStates),
        stacked: true,
      }),
      new GraphWidget({ ...wide, title: 'Clearance callbacks', left: counts(APP_METRICS.callbacks) }),
    );
    const stage = props.api.deploymentStage;
    this.dashboard.addWidgets(
      new GraphWidget({
        ...wide,
        title: 'API',
        left: [
          stage.metricCount({ period: minute, statistic: Stats.SUM }),
          stage.metricClientError({ period: minute, statistic: Stats.SUM }),
          stage.metricServerError({ period: minute, statistic: Stats.SUM }),
        ],
        right: [stage.metricLatency({ period: minute, statistic: 'p99' })],
      }),
      new AlarmStatusWidget({ ...wide, title: 'Alarms', alarms: [...props.alarms] }),
    );
  }
}

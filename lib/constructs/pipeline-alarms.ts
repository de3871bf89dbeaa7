import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, type IMetric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { appMetric, METRIC } from './pipeline-metrics.ts';

/** Customs expects the upload about two minutes after the grab; page while there is still time. */
export const OLDEST_GRAB_SECONDS = 90;
/** Renew and register a new certificate before customs refuses the old one. */
export const CERTIFICATE_DAYS_LEFT = 30;
/** Refused (unsigned, badly signed, replayed) callbacks in 5 minutes that look like more than a misconfiguration. */
export const REFUSED_CALLBACKS = 10;
/** Signer errors in 5 minutes: one can be a blip that the retry absorbs; three are not. */
export const SIGNER_ERRORS = 3;

export interface PipelineAlarmsProps {
  readonly topic: ITopic;
  readonly grabQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly api: RestApi;
}

interface AlarmSpec {
  readonly metric: IMetric;
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  readonly description: string;
}

const AT_LEAST = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;

/**
 * The alarms an on-call engineer needs, every one to the stage's topic (on alarm and on recovery).
 * Each description says what broke and where to look first. Missing data is "all is well": the
 * metrics are only emitted when something happens.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: Readonly<Record<string, Alarm>>;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const specs: Record<string, AlarmSpec> = {
      DeadLetterQueueNotEmpty: {
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: Stats.MAXIMUM,
        }),
        threshold: 1,
        comparison: AT_LEAST,
        description:
          'A grab was given up after every retry and sits in the DLQ: it was not uploaded. Read the worker log for its sessionID, fix the cause, replay it.',
      },
      GrabWaitingTooLong: {
        metric: props.grabQueue.metricApproximateAgeOfOldestMessage({
          period: minute,
          statistic: Stats.MAXIMUM,
        }),
        threshold: OLDEST_GRAB_SECONDS,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `The oldest grab not yet uploaded is older than ${OLDEST_GRAB_SECONDS} s; customs expects the upload within about 2 minutes. Check the worker (errors, throttles) and customs' endpoint.`,
      },
      StuckSessions: {
        metric: appMetric(METRIC.StuckSessions, { period: Duration.minutes(5) }),
        threshold: 1,
        comparison: AT_LEAST,
        description:
          'The sweep found grabs recorded but never queued (or lost from the queue) and queued them again: a grab-request or replay died between its two writes, or the queue refused sends. Check those functions’ errors; `ceb-grab sessions --state received`.',
      },
      CertificateNotRegistered: {
        metric: appMetric(METRIC.UploadRejectedByCode, { dimensions: { customsCode: '20004' } }),
        threshold: 1,
        comparison: AT_LEAST,
        description:
          'Customs answered 20004: the ebpCode/certNo pair is not registered with 通关服务系统. Register the certificate (or fix the registry entry) before more grabs fail.',
      },
      SignatureSelfCheckFailed: {
        metric: appMetric(METRIC.SignatureSelfCheckFailed),
        threshold: 1,
        comparison: AT_LEAST,
        description:
          'Our own signature did not verify against the certificate, so nothing was sent: the key and the certificate in the registry do not belong together.',
      },
      SignerErrors: {
        metric: appMetric(METRIC.SignerError),
        threshold: SIGNER_ERRORS,
        comparison: AT_LEAST,
        description:
          'The signer (soft key, HSM/Ukey proxy or KMS) fails or refuses: grabs are not being signed.',
      },
      WorkerInitFailed: {
        metric: appMetric(METRIC.WorkerInitFailed),
        threshold: 1,
        comparison: AT_LEAST,
        description:
          'The upload worker could not start (signer material missing or unreadable, bad configuration): no grab is uploaded. Each waiting session says why (`ceb-grab sessions --state queued`); fix the signer secret or token, and the grabs go out on their next delivery.',
      },
      SignerSuspectPin: {
        metric: appMetric(METRIC.SignerSuspectPin),
        threshold: 1,
        comparison: AT_LEAST,
        description:
          'The card did not sign in a way a wrong PIN also looks (SIGNER_SUSPECT_PIN): it is not presented again, so it does not lock, and grabs wait. Check the PIN at the signing proxy, then run `ceb-grab signer-reset`.',
      },
      ApiServerErrors: {
        metric: props.api.deploymentStage.metricServerError({
          period: Duration.minutes(5),
          statistic: Stats.SUM,
        }),
        threshold: 1,
        comparison: AT_LEAST,
        description:
          'API Gateway answered 5xx: customs or partners got an error instead of a reply. Check the functions’ errors and throttles.',
      },
      CallbacksRefused: {
        metric: appMetric(METRIC.ClearanceCallbackRefused),
        threshold: REFUSED_CALLBACKS,
        comparison: AT_LEAST,
        description:
          'Many clearance callbacks were refused (bad or missing signature, unknown partner, replay): a partner’s secret changed, or someone is probing the callback URL.',
      },
      CertificateExpiring: {
        metric: appMetric(METRIC.CertificateDaysLeft, {
          statistic: Stats.MINIMUM,
          period: Duration.hours(1),
        }),
        threshold: CERTIFICATE_DAYS_LEFT,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        description: `A signing certificate expires within ${CERTIFICATE_DAYS_LEFT} days: renew it with China E-Port and register the new one with customs.`,
      },
    };
    const action = new SnsAction(props.topic);
    this.alarms = Object.fromEntries(
      Object.entries(specs).map(([name, spec]) => {
        const alarm = new Alarm(this, name, {
          metric: spec.metric,
          threshold: spec.threshold,
          comparisonOperator: spec.comparison,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
          alarmDescription: spec.description,
        });
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
        return [name, alarm];
      }),
    );
  }
}

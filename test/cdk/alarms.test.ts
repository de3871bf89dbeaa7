import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  CERTIFICATE_DAYS_LEFT,
  OLDEST_GRAB_SECONDS,
  REFUSED_CALLBACKS,
  SIGNER_ERRORS,
} from '../../lib/constructs/pipeline-alarms.ts';
import { synthesize } from './synth.ts';

const synth = synthesize({ bundle: false });
after(() => synth.cleanup());
const { stage, stateless, imported } = synth;
const data = stage.stateful;
const topic = imported(data.alarmTopic.topicArn);
const alarms = stage.stateless.alarms.alarms;
const alarmProps = (name: string) => {
  const alarm = alarms[name] ?? assert.fail(`no alarm ${name}`);
  return stateless.toJSON().Resources[stage.stateless.getLogicalId(alarm.node.defaultChild as never)]
    .Properties;
};
const app = (metricName: string, extra: Record<string, string> = {}) => ({
  Namespace: 'CebGrab',
  MetricName: metricName,
  // Powertools' default dimension: service = POWERTOOLS_SERVICE_NAME.
  Dimensions: [
    ...Object.entries(extra).map(([Name, Value]) => ({ Name, Value })),
    { Name: 'service', Value: 'ceb-grab' },
  ].sort((a, b) => a.Name.localeCompare(b.Name)),
});
const queue = (metricName: string, q: { queueName: string }) => ({
  Namespace: 'AWS/SQS',
  MetricName: metricName,
  Dimensions: [{ Name: 'QueueName', Value: imported(q.queueName) }],
});

const EXPECTED = {
  DeadLetterQueueNotEmpty: {
    metric: queue('ApproximateNumberOfMessagesVisible', data.grabDeadLetterQueue),
    stat: 'Maximum',
    period: 60,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  },
  GrabWaitingTooLong: {
    metric: queue('ApproximateAgeOfOldestMessage', data.grabQueue),
    stat: 'Maximum',
    period: 60,
    op: 'GreaterThanThreshold',
    threshold: OLDEST_GRAB_SECONDS,
  },
  CertificateNotRegistered: {
    metric: app('UploadRejectedByCode', { customsCode: '20004' }),
    stat: 'Sum',
    period: 300,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  },
  StuckSessions: {
    metric: app('StuckSessions'),
    stat: 'Sum',
    period: 300,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  },
  SignatureSelfCheckFailed: {
    metric: app('SignatureSelfCheckFailed'),
    stat: 'Sum',
    period: 300,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  },
  SignerErrors: {
    metric: app('SignerError'),
    stat: 'Sum',
    period: 300,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: SIGNER_ERRORS,
  },
  WorkerInitFailed: {
    metric: app('WorkerInitFailed'),
    stat: 'Sum',
    period: 300,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  },
  SignerSuspectPin: {
    metric: app('SignerSuspectPin'),
    stat: 'Sum',
    period: 300,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  },
  CallbacksRefused: {
    metric: app('ClearanceCallbackRefused'),
    stat: 'Sum',
    period: 300,
    op: 'GreaterThanOrEqualToThreshold',
    threshold: REFUSED_CALLBACKS,
  },
  CertificateExpiring: {
    metric: app('CertificateDaysLeft'),
    stat: 'Minimum',
    period: 3600,
    op: 'LessThanThreshold',
    threshold: CERTIFICATE_DAYS_LEFT,
  },
} as const;

describe('alarms', () => {
  it('exactly the alarms an on-call engineer needs', () => {
    assert.deepEqual(Object.keys(alarms).sort(), [...Object.keys(EXPECTED), 'ApiServerErrors'].sort());
    stateless.resourceCountIs('AWS::CloudWatch::Alarm', Object.keys(alarms).length);
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: ${want.metric.MetricName} ${want.stat} over ${want.period} s ${want.op} ${want.threshold}`, () => {
      const props = alarmProps(name);
      const dimensions = [...(props.Dimensions ?? [])].sort((a: { Name: string }, b: { Name: string }) =>
        a.Name.localeCompare(b.Name),
      );
      assert.deepEqual(
        { Namespace: props.Namespace, MetricName: props.MetricName, Dimensions: dimensions },
        want.metric,
      );
      assert.equal(props.Statistic, want.stat);
      assert.equal(props.Period, want.period);
      assert.equal(props.ComparisonOperator, want.op);
      assert.equal(props.Threshold, want.threshold);
      assert.equal(props.EvaluationPeriods, 1);
      assert.equal(
        props.TreatMissingData,
        'notBreaching',
        'the metrics are only emitted when something happens',
      );
    });
  }

  it('ApiServerErrors: API Gateway 5XXError of this API and stage, any in 5 minutes', () => {
    const props = alarmProps('ApiServerErrors');
    assert.equal(props.Namespace, 'AWS/ApiGateway');
    assert.equal(props.MetricName, '5XXError');
    assert.deepEqual(props.Dimensions.map((d: { Name: string }) => d.Name).sort(), ['ApiName', 'Stage']);
    assert.ok(
      props.Dimensions.some(
        (d: { Name: string; Value: unknown }) => d.Name === 'Stage' && d.Value !== undefined,
      ),
    );
    assert.equal(props.Statistic, 'Sum');
    assert.equal(props.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.equal(props.Threshold, 1);
  });

  it('every alarm goes to the stage’s topic, on alarm and on recovery, and says what to do', () => {
    for (const name of Object.keys(alarms)) {
      const props = alarmProps(name);
      assert.deepEqual(props.AlarmActions, [topic], name);
      assert.deepEqual(props.OKActions, [topic], name);
      assert.ok(String(props.AlarmDescription).length > 40, `${name} needs a description`);
      assert.equal(props.AlarmName, undefined, 'no physical names');
    }
  });
});

describe('dashboard', () => {
  const [dashboard] = Object.values(stateless.findResources('AWS::CloudWatch::Dashboard'));
  assert.ok(dashboard, 'a dashboard');
  // The body is JSON joined with tokens (region, queue names, alarm ARNs); put placeholders in their place.
  const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as {
    widgets: { properties: { title: string; metrics?: unknown[][] } }[];
  };
  const widget = (title: RegExp) =>
    body.widgets.find((w) => title.test(w.properties.title)) ?? assert.fail(`no widget ${title}`);
  /** [metric name, stat] of each line of a graph; `expression` for a math line. */
  const lines = (title: RegExp) =>
    (widget(title).properties.metrics ?? []).map((m) => {
      const options = m.at(-1) as { stat?: string; expression?: string };
      return options.expression ? ['expression', options.expression] : [m[1], options.stat];
    });

  it('one per stage, named by CloudFormation', () => {
    stateless.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    assert.equal(dashboard.Properties.DashboardName, undefined);
  });

  it('grabs and uploads, counted per minute', () => {
    assert.deepEqual(
      lines(/^Grabs/).map(([m]) => m),
      [
        'GrabQueued',
        'GrabDuplicate',
        'GrabMalformed',
        'GrabNotAccepted',
        'GrabRequeued',
        'StuckSessions',
        'GrabOrderMismatch',
      ],
    );
    assert.deepEqual(
      lines(/^Uploads/).map(([m]) => m),
      [
        'UploadAccepted',
        'UploadRejected',
        'UploadFailed',
        'UploadRetrying',
        'GrabNoPaymentData',
        'GrabRedelivered',
        'DeadLettersRecorded',
      ],
    );
  });

  it('grab-to-accepted latency at p50, p90 and p99', () => {
    assert.deepEqual(lines(/^Grab to accepted/), [
      ['GrabToAcceptedMs', 'p50'],
      ['GrabToAcceptedMs', 'p90'],
      ['GrabToAcceptedMs', 'p99'],
    ]);
  });

  it('rejections by every customs code the worker has seen (a search over the customsCode dimension)', () => {
    const [[kind, expression] = []] = lines(/^Rejections by customs code/);
    assert.equal(kind, 'expression');
    assert.match(
      String(expression),
      /^SEARCH\('\{CebGrab,customsCode,service\} MetricName="UploadRejectedByCode"/,
    );
  });

  it('clearance states, callbacks, signing, the queue, the API and the alarms', () => {
    assert.deepEqual(
      lines(/^Clearance states/).map(([m]) => m),
      ['OrdersReleased', 'OrdersRejected', 'OrdersHeld'],
    );
    assert.ok(lines(/^Clearance callbacks/).some(([m]) => m === 'ClearanceCallbackRefused'));
    assert.deepEqual(
      lines(/^Signing/).map(([m]) => m),
      [
        'SignerError',
        'SignatureSelfCheckFailed',
        'SignerSuspectPin',
        'WorkerInitFailed',
        'CertificateDaysLeft',
      ],
    );
    assert.ok(lines(/^Grab queue/).some(([m]) => m === 'ApproximateAgeOfOldestMessage'));
    assert.ok(lines(/^API/).some(([m]) => m === '5XXError'));
    assert.ok(widget(/^Alarms/));
  });
});

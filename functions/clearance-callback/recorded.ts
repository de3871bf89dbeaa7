import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, type MetricName } from '#core/metric-names.ts';
import type { RecordClearanceResult } from '#core/use-cases/record-clearance.ts';

/** Metric per order that reached one of these states with a callback. */
const STATE_METRICS: Partial<Record<string, MetricName>> = {
  released: METRIC.OrdersReleased,
  rejected: METRIC.OrdersRejected,
  held: METRIC.OrdersHeld,
};

/** What a recorded callback counts: new and repeated events, and orders that reached a final state. */
export function countRecorded(result: RecordClearanceResult, metrics: Metrics): void {
  const appended = result.events.filter((e) => e.outcome === 'appended').length;
  metrics.addMetric(METRIC.ClearanceEventRecorded, MetricUnit.Count, appended);
  metrics.addMetric(METRIC.ClearanceEventDuplicate, MetricUnit.Count, result.events.length - appended);
  for (const change of result.changes) {
    const name = STATE_METRICS[change.to];
    if (name) metrics.addMetric(name, MetricUnit.Count, 1);
  }
}

/** The SUCCESS reply's msg_info: what was recorded, what was a repeat, and what waits for its order's link. */
export function describeRecorded(result: RecordClearanceResult): string {
  const appended = result.events.filter((e) => e.outcome === 'appended').length;
  const repeated = result.events.length - appended;
  const linked = result.links.filter((l) => l.outcome === 'linked').length;
  const waiting = result.events.filter((e) => e.orderNo === undefined).length;
  if (appended === 0 && linked === 0) return 'already recorded (a repeated callback)';
  const parts = [
    ...(appended || !linked ? [`recorded ${appended} event${appended === 1 ? '' : 's'}`] : []),
    ...(repeated ? [`${repeated} already recorded`] : []),
    ...(linked
      ? [
          `linked ${linked} inventor${linked === 1 ? 'y' : 'ies'} to ${linked === 1 ? 'its order' : 'their orders'}`,
        ]
      : []),
    ...(waiting ? [`${waiting} kept until its copNo is linked to an order`] : []),
  ];
  return parts.join(', ');
}

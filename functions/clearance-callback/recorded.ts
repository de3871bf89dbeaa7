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

/** The SUCCESS reply's msg_info: what was recorded, and what was a repeat. */
export function describeRecorded(result: RecordClearanceResult): string {
  const appended = result.events.filter((e) => e.outcome === 'appended').length;
  const repeated = result.events.length - appended;
  if (appended === 0) return 'already recorded (a repeated callback)';
  return `recorded ${appended} event${appended === 1 ? '' : 's'}${repeated ? `, ${repeated} already recorded` : ''}`;
}

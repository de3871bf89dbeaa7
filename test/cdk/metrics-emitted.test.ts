import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { METRIC, METRIC_NAMESPACE } from '#core/metric-names.ts';
import { REPO_ROOT } from '../../lib/repo-root.ts';
import { synthesize } from './synth.ts';

/**
 * An alarm or a dashboard line on a metric nobody emits stays silent forever. Every metric of ours that
 * the synthesized template names must be a constant of core/metric-names.ts that some function uses.
 */
const synth = synthesize({ bundle: false });
after(() => synth.cleanup());
const { stateless } = synth;

const METRIC_NAMES_FILE = join(REPO_ROOT, 'functions/core/metric-names.ts');
const functionSources = (dir = join(REPO_ROOT, 'functions')): { path: string; text: string }[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return functionSources(path);
    return e.name.endsWith('.ts') && path !== METRIC_NAMES_FILE
      ? [{ path, text: readFileSync(path, 'utf8') }]
      : [];
  });
const sources = functionSources();

/** The names the functions emit: METRIC.<key> referenced from functions/ outside the constants module. */
const emitted = new Set(
  Object.entries(METRIC)
    .filter(([key]) => sources.some((s) => new RegExp(`\\bMETRIC\\.${key}\\b`).test(s.text)))
    .map(([, name]) => name),
);

function alarmedMetrics(): string[] {
  return Object.values(stateless.findResources('AWS::CloudWatch::Alarm')).flatMap((a) => {
    const p = a.Properties;
    const single = p.Namespace === METRIC_NAMESPACE ? [p.MetricName as string] : [];
    const inMath = (
      (p.Metrics ?? []) as { MetricStat?: { Metric: { Namespace: string; MetricName: string } } }[]
    )
      .map((m) => m.MetricStat?.Metric)
      .filter((m) => m?.Namespace === METRIC_NAMESPACE)
      .map((m) => m?.MetricName as string);
    return [...single, ...inMath];
  });
}

function dashboardMetrics(): string[] {
  const dashboards = Object.values(stateless.findResources('AWS::CloudWatch::Dashboard'));
  assert.equal(dashboards.length, 1);
  const raw = dashboards[0]?.Properties.DashboardBody;
  // The body is a Fn::Join of JSON text and tokens (the region); the tokens only fill in values.
  const text: string =
    typeof raw === 'string'
      ? raw
      : (raw['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '')).join('');
  const body = JSON.parse(text) as { widgets: { properties?: { metrics?: unknown[][] } }[] };
  const names: string[] = [];
  for (const widget of body.widgets) {
    for (const line of widget.properties?.metrics ?? []) {
      if (line[0] === METRIC_NAMESPACE) names.push(String(line[1]));
      const expression = (line[0] as { expression?: string } | undefined)?.expression;
      if (expression?.includes(`{${METRIC_NAMESPACE},`)) {
        for (const m of expression.matchAll(/MetricName="([^"]+)"/g)) names.push(m[1] ?? '');
      }
    }
  }
  return names;
}

describe('metrics the alarms and the dashboard watch', () => {
  it('every alarm is on a metric the functions emit', () => {
    const names = alarmedMetrics();
    assert.ok(names.includes(METRIC.CertificateDaysLeft), 'the certificate expiry alarm is there');
    for (const name of names)
      assert.ok(emitted.has(name as never), `an alarm watches ${name}, which no function emits`);
  });

  it('every dashboard line of ours is a metric the functions emit', () => {
    const names = dashboardMetrics();
    assert.ok(names.includes(METRIC.UploadRejectedByCode), 'the rejections-by-code search is read');
    assert.ok(names.length >= 20, `only ${names.length} metrics found on the dashboard`);
    for (const name of names) {
      assert.ok(emitted.has(name as never), `the dashboard shows ${name}, which no function emits`);
    }
  });

  it('the functions name metrics only through the constants', () => {
    const literal = /\.addMetric\(\s*['"`]/;
    const offenders = sources.filter((s) => literal.test(s.text)).map((s) => relative(REPO_ROOT, s.path));
    assert.deepEqual(offenders, [], 'addMetric with a string literal: use METRIC from core/metric-names.ts');
  });
});

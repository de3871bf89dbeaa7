/**
 * An estimate of what a million grabs cost, from the benchmark's counts, sizes and durations and
 * AWS list prices. The prices are inputs, stated with their region and date: China regions
 * (cn-north-1, cn-northwest-1) are sold in CNY by their operators; put their figures here to
 * price a deployment there.
 */
export const PRICES = {
  region: 'us-east-1 (N. Virginia)',
  asOf: 'AWS list prices as published in 2025, not re-checked online by this run',
  currency: 'USD',
  lambdaRequest: 0.2 / 1e6,
  /** Arm (Graviton), first tier */
  lambdaGbSecond: 0.0000133334,
  /** REST API, first 333 million requests a month */
  apiGatewayRestRequest: 3.5 / 1e6,
  /** on demand, standard table class */
  dynamoWriteRequestUnit: 0.625 / 1e6,
  dynamoReadRequestUnit: 0.125 / 1e6,
  /** standard queue, per 64 KB chunk */
  sqsRequest: 0.4 / 1e6,
  /** asymmetric requests other than RSA 2048 (an SM2 Sign) */
  kmsAsymmetricRequest: 0.15 / 1e4,
  cloudWatchLogsIngestedGb: 0.5,
  /** traces recorded; the default sampling keeps 1 a second and 5% of the rest */
  xrayTrace: 5 / 1e6,
  xraySampledShare: 0.05,
  /** to the internet (customs' endpoint), first 10 TB */
  dataTransferOutGb: 0.09,
} as const;

export const PRICE_SOURCES = [
  'https://aws.amazon.com/lambda/pricing/',
  'https://aws.amazon.com/api-gateway/pricing/',
  'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  'https://aws.amazon.com/sqs/pricing/',
  'https://aws.amazon.com/kms/pricing/',
  'https://aws.amazon.com/cloudwatch/pricing/',
  'https://aws.amazon.com/xray/pricing/',
  'https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer',
];

/** DynamoDB's size of an item (attribute names plus values, as its docs count them), bytes. */
export function dynamoItemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name) + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((a: number, v) => a + 1 + valueBytes(v), 0);
  if (typeof value === 'object')
    return 3 + dynamoItemBytes(value as Record<string, unknown>) + Object.keys(value).length;
  return 0;
}

const units = (bytes: number, per: number) => Math.max(1, Math.ceil(bytes / per));

export interface SessionSizes {
  /** the session as the grab records it (queued) */
  readonly queued: number;
  /** claimed, with the prepared payload */
  readonly prepared: number;
  /** the final item (uploaded, with customs' reply) */
  readonly uploaded: number;
  /** the ORDER# item the worker reads (the whole payment) */
  readonly paymentItem: number;
  /** the stored upload's attribute (payExInfoStr), which the indexes do not copy */
  readonly payload: number;
}

/**
 * Write units of the happy path on the Sessions table and its two GSIs: a write costs 1 WRU per KB of
 * the larger of the old and new item, on the table and on each index whose copy changes; a change of
 * an index key (byState: state, updatedAt) is a delete plus a put there. The indexes copy everything
 * but the stored upload (functions/core/session-index.ts) unless `indexesCopyPayload` (projection ALL).
 */
export function sessionWriteUnits(
  s: SessionSizes,
  indexesCopyPayload = false,
): { create: number; claim: number; mark: number; outcome: number } {
  const kb = (b: number) => units(b, 1024);
  const ix = (b: number) => kb(indexesCopyPayload ? b : b - s.payload);
  return {
    // table + byOrder + byState
    create: kb(s.queued) + 2 * kb(s.queued),
    // one write claims and stores the payload
    claim: kb(Math.max(s.queued, s.prepared)) + ix(s.prepared) + kb(s.queued) + ix(s.prepared),
    // the mark just before the send (mayHaveReachedCustoms), which both indexes copy
    mark: kb(s.prepared) + 2 * ix(s.prepared),
    outcome: kb(Math.max(s.prepared, s.uploaded)) + ix(s.uploaded) + ix(s.prepared) + ix(s.uploaded),
  };
}

export interface CostInputs {
  readonly sizes: SessionSizes;
  /** requests per grab the functions make, by "Service Operation" */
  readonly requestsPerGrab: Record<string, number>;
  /** SQS requests Lambda's event source mapping makes per grab (receive, delete) */
  readonly eventSourceSqsPerGrab: number;
  readonly grabRequestMs: number;
  readonly grabRequestMemoryMb: number;
  /** the worker's billed duration per grab (batches share an invocation) */
  readonly workerMsPerGrab: number;
  readonly workerMemoryMb: number;
  readonly workerRecordsPerInvocation: number;
  readonly logBytesPerGrab: number;
  readonly uploadBytes: number;
  readonly kmsSignsPerGrab: number;
}

export interface CostLine {
  readonly item: string;
  readonly basis: string;
  readonly perMillion: number;
}

export function costPerMillion(c: CostInputs): { lines: CostLine[]; total: number; whatIf: CostLine } {
  const M = 1e6;
  const w = sessionWriteUnits(c.sizes);
  const wru = w.create + w.claim + w.mark + w.outcome;
  const rru = units(c.sizes.paymentItem, 4096); // strongly consistent: 1 RRU per 4 KB
  const sqs = (c.requestsPerGrab['SQS SendMessage'] ?? 0) + c.eventSourceSqsPerGrab;
  const gbs = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const lines: CostLine[] = [
    { item: 'API Gateway (REST)', basis: '1 request per grab', perMillion: M * PRICES.apiGatewayRestRequest },
    {
      item: 'Lambda requests',
      basis: `grab-request 1 + worker 1/${c.workerRecordsPerInvocation.toFixed(1)} per grab`,
      perMillion: M * PRICES.lambdaRequest * (1 + 1 / c.workerRecordsPerInvocation),
    },
    {
      item: 'Lambda duration, grab-request',
      basis: `${c.grabRequestMs.toFixed(0)} ms at ${c.grabRequestMemoryMb} MB`,
      perMillion: M * PRICES.lambdaGbSecond * gbs(c.grabRequestMs, c.grabRequestMemoryMb),
    },
    {
      item: 'Lambda duration, upload-worker',
      basis: `${c.workerMsPerGrab.toFixed(0)} ms per grab at ${c.workerMemoryMb} MB`,
      perMillion: M * PRICES.lambdaGbSecond * gbs(c.workerMsPerGrab, c.workerMemoryMb),
    },
    {
      item: 'DynamoDB writes',
      basis: `${wru} WRU (create ${w.create}, claim+payload ${w.claim}, mark before the send ${w.mark}, outcome ${w.outcome}; the GSIs copy no payload)`,
      perMillion: M * PRICES.dynamoWriteRequestUnit * wru,
    },
    {
      item: 'DynamoDB reads',
      basis: `${rru} RRU (the payment, strongly consistent)`,
      perMillion: M * PRICES.dynamoReadRequestUnit * rru,
    },
    {
      item: 'SQS',
      basis: `${sqs.toFixed(2)} requests (send 1, Lambda's receive + delete ${c.eventSourceSqsPerGrab.toFixed(2)})`,
      perMillion: M * PRICES.sqsRequest * sqs,
    },
    {
      item: 'KMS Sign (kms signer only)',
      basis: `${c.kmsSignsPerGrab} SM2 Sign per grab`,
      perMillion: M * PRICES.kmsAsymmetricRequest * c.kmsSignsPerGrab,
    },
    {
      item: 'CloudWatch Logs',
      basis: `${c.logBytesPerGrab.toFixed(0)} B of logs and EMF metrics + ~600 B Lambda START/END/REPORT`,
      perMillion: (M * (c.logBytesPerGrab + 600) * PRICES.cloudWatchLogsIngestedGb) / 1024 ** 3,
    },
    {
      item: 'X-Ray',
      basis: `${PRICES.xraySampledShare * 100}% of 2 traces per grab sampled`,
      perMillion: M * 2 * PRICES.xraySampledShare * PRICES.xrayTrace,
    },
    {
      item: 'Data out to customs',
      basis: `${(c.uploadBytes / 1024).toFixed(1)} KB per upload`,
      perMillion: (M * c.uploadBytes * PRICES.dataTransferOutGb) / 1024 ** 3,
    },
  ];
  // What-if: indexes that copy the whole item (projection ALL), as before.
  const all = sessionWriteUnits(c.sizes, true);
  const allWru = all.create + all.claim + all.mark + all.outcome;
  return {
    lines,
    total: lines.reduce((a, l) => a + l.perMillion, 0),
    whatIf: {
      item: 'DynamoDB writes if byOrder and byState copied the payload too (projection ALL)',
      basis: `${allWru} WRU instead of ${wru}`,
      perMillion: M * PRICES.dynamoWriteRequestUnit * allWru,
    },
  };
}

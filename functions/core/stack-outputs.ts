/**
 * How a deployed stage is found, written once: lib/ names the stacks and declares these CloudFormation
 * outputs, and `ceb-grab --stage <name>` reads them back, so the two cannot drift apart.
 */

/** The CDK app's id for a stage (bin/app.ts); its stacks are named after it. */
export const stageId = (stage: string): string => `CebGrab-${stage}`;

/** The CloudFormation stack names of a stage: `CebGrab-test-Stateful`, `CebGrab-test-Stateless`. */
export const stageStackNames = (
  stage: string,
): { readonly stateful: string; readonly stateless: string } => ({
  stateful: `${stageId(stage)}-Stateful`,
  stateless: `${stageId(stage)}-Stateless`,
});

/** The stateful stack's outputs: its tables, queues and alarm topic, and the stage's data retention. */
export const STATEFUL_OUTPUT = {
  sessionsTable: 'SessionsTableName',
  paymentsTable: 'PaymentsTableName',
  certificatesTable: 'CertificatesTableName',
  clearanceTable: 'ClearanceTableName',
  grabQueueUrl: 'GrabQueueUrl',
  grabDeadLetterQueueUrl: 'GrabDeadLetterQueueUrl',
  alarmTopicArn: 'AlarmTopicArn',
  /** days its tables keep what they hold (core/retention.ts): what `ceb-grab load --stage` dates payments by */
  retentionDays: 'RetentionDays',
} as const;

/**
 * The variable each operator setting is read from (functions/config.ts) and the stateful stack's output
 * that holds it for a deployed stage: what `--stage` turns into the operator's configuration.
 */
export const OPERATOR_SETTING_OUTPUT = {
  SESSIONS_TABLE: STATEFUL_OUTPUT.sessionsTable,
  PAYMENTS_TABLE: STATEFUL_OUTPUT.paymentsTable,
  CERTIFICATES_TABLE: STATEFUL_OUTPUT.certificatesTable,
  CLEARANCE_TABLE: STATEFUL_OUTPUT.clearanceTable,
  GRAB_QUEUE_URL: STATEFUL_OUTPUT.grabQueueUrl,
  GRAB_DLQ_URL: STATEFUL_OUTPUT.grabDeadLetterQueueUrl,
  RETENTION_DAYS: STATEFUL_OUTPUT.retentionDays,
} as const;

/** The stateless stack's outputs: the URLs customs, partners and the platform are given. */
export const STATELESS_OUTPUT = {
  platDataOpenUrl: 'PlatDataOpenUrl',
  clearanceCallbackUrl: 'ClearanceCallbackUrl',
  paymentsUrl: 'PaymentsUrl',
  orderStatusUrl: 'OrderStatusUrl',
} as const;

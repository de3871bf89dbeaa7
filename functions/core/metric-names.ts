/**
 * The functions' CloudWatch metrics (Powertools EMF), written once: the functions emit these names and
 * lib/constructs builds alarms and the dashboard from them, so an alarm cannot watch a name nobody emits.
 */

/** POWERTOOLS_METRICS_NAMESPACE of every function. */
export const METRIC_NAMESPACE = 'CebGrab';
/** POWERTOOLS_SERVICE_NAME: the logs' `service` and every metric's `service` dimension. */
export const SERVICE_NAME = 'ceb-grab';

export const METRIC = {
  GrabQueued: 'GrabQueued',
  GrabDuplicate: 'GrabDuplicate',
  GrabMalformed: 'GrabMalformed',
  GrabNotAccepted: 'GrabNotAccepted',
  UploadAccepted: 'UploadAccepted',
  UploadRejected: 'UploadRejected',
  /** with a `customsCode` dimension, so 20004 (certificate not registered) has its own alarm */
  UploadRejectedByCode: 'UploadRejectedByCode',
  UploadFailed: 'UploadFailed',
  UploadRetrying: 'UploadRetrying',
  UploadOther: 'UploadOther',
  GrabNoPaymentData: 'GrabNoPaymentData',
  /** a `no-data` grab queued again because its payment was stored (the Payments table's stream) */
  GrabReplayedAfterPayment: 'GrabReplayedAfterPayment',
  /** records the Payments table's stream delivered, every batch (0 too): the stream consumer is alive */
  PaymentStreamRecords: 'PaymentStreamRecords',
  /** a payment changed after customs received its upload: customs holds an older version */
  UploadedPaymentChanged: 'UploadedPaymentChanged',
  GrabRedelivered: 'GrabRedelivered',
  /** sessions the sweep found recorded but not on the queue (or lost from it), and queued again */
  StuckSessions: 'StuckSessions',
  /** a repeated grab found its session recorded but never queued, and queued it */
  GrabRequeued: 'GrabRequeued',
  /** customs repeated a sessionID with another orderNo (recorded on the session; the first order is kept) */
  GrabOrderMismatch: 'GrabOrderMismatch',
  /** dead-lettered grabs whose session had no outcome, recorded `failed` by the sweep */
  DeadLettersRecorded: 'DeadLettersRecorded',
  GrabToAcceptedMs: 'GrabToAcceptedMs',
  SignerError: 'SignerError',
  /** the upload worker could not build its deps (signer material missing, bad config): no grab is uploaded */
  WorkerInitFailed: 'WorkerInitFailed',
  SignerSuspectPin: 'SignerSuspectPin',
  SignatureSelfCheckFailed: 'SignatureSelfCheckFailed',
  CertificateDaysLeft: 'CertificateDaysLeft',
  OrdersReleased: 'OrdersReleased',
  OrdersRejected: 'OrdersRejected',
  OrdersHeld: 'OrdersHeld',
  ClearanceEventRecorded: 'ClearanceEventRecorded',
  ClearanceEventDuplicate: 'ClearanceEventDuplicate',
  ClearanceCallbackRefused: 'ClearanceCallbackRefused',
  ClearanceCallbackInvalid: 'ClearanceCallbackInvalid',
  ClearanceCallbackFailed: 'ClearanceCallbackFailed',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

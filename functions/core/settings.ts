/**
 * The numbers more than one room needs, written once: the CDK stacks deploy them, functions/config.ts
 * defaults to them, the adapters fall back on them, and test/cdk checks the README states them.
 * Pure: no environment reads (functions/config.ts reads overrides).
 *
 * The worker's time budget. Customs expects the upload within about 2 minutes of its grab. From a
 * China region customs answers realTimeDataUpload in well under a second, so a reply not back in 4 s
 * is almost always lost: better to send the same bytes again at once (2 tries, at most 2 s apart)
 * than to wait 10 s for it. That is 2 × 4 + 2 = 10 s; with a signer that may take its whole 5 s and
 * DynamoDB's few writes (2 s) the worst delivery is 17 s (WORKER_BUDGET_MS), inside a 20 s worker.
 * The lease (25 s) outlives the worker's timeout, so no second worker takes a session a live one still
 * holds; the queue's visibility timeout is 6 × the worker's (AWS's advice for an SQS event source: a
 * throttled or retried batch must not reappear while it is still being worked on), so it outlives the
 * lease and a redelivery after a crash finds it expired.
 */

/** Customs expects the upload about this long after its grab (docs/protocol.md). */
export const CUSTOMS_UPLOAD_WINDOW_MS = 120_000;
/** One customs upload attempt (HTTP request to realTimeDataUpload). */
export const CUSTOMS_TIMEOUT_MS = 4_000;
/** In-process tries of one upload on transport errors / 5xx before the message goes back to the queue. */
export const UPLOAD_TRIES = 2;
/** First pause between upload tries (jittered, doubling) and the longest one. */
export const UPLOAD_RETRY_MIN_MS = 200;
export const UPLOAD_RETRY_MAX_MS = 2_000;
/** One request to the HSM / Ukey signing proxy. */
export const HSM_PROXY_TIMEOUT_MS = 5_000;
/**
 * DynamoDB's part of one delivery: claim, prepared payload, the mark before the send, outcome (a few ms
 * each, seconds when throttled).
 */
export const DYNAMODB_BUDGET_MS = 2_000;
/** One delivery's worst case: the signer's timeout, every customs try and pause, and DynamoDB. */
export const WORKER_BUDGET_MS =
  HSM_PROXY_TIMEOUT_MS +
  UPLOAD_TRIES * CUSTOMS_TIMEOUT_MS +
  (UPLOAD_TRIES - 1) * UPLOAD_RETRY_MAX_MS +
  DYNAMODB_BUDGET_MS;
/** The upload worker's Lambda timeout: the budget and a margin for a cold start. */
export const WORKER_TIMEOUT_MS = 20_000;
/** How long a worker holds a session: one delivery's worst case (the worker timeout) and a margin. */
export const UPLOAD_LEASE_MS = WORKER_TIMEOUT_MS + 5_000;
/** The grab queue's visibility timeout: 6 × the worker timeout (AWS's advice), longer than the lease. */
export const GRAB_VISIBILITY_TIMEOUT_MS = 6 * WORKER_TIMEOUT_MS;
/** Receives before a grab message goes to the DLQ; the worker records `failed` on the last one. */
export const MAX_RECEIVES = 5;
/**
 * A grab the worker failed for a retry comes back after this × its receive count, at most the cap,
 * not after the visibility timeout (120 s, past customs' 2-minute window). Never shorter than the
 * lease needs: a busy session's holder is done within the worker timeout.
 */
export const RETRY_BACKOFF_STEP_MS = 10_000;
export const RETRY_BACKOFF_MAX_MS = 60_000;

/**
 * The stuck-session sweep (use-cases/requeue-stuck.ts). A grab's record and its send are two writes in
 * two services, so a crash between them leaves a `received` session with no message: after this long
 * (the grab-request function's timeout, twice) no live request is still sending it.
 */
export const GRAB_REQUEST_TIMEOUT_MS = 5_000;
export const STUCK_RECEIVED_AFTER_MS = 2 * GRAB_REQUEST_TIMEOUT_MS;
/**
 * A `queued` session no worker has claimed this long has likely lost its message (a replay or a late
 * payment marked it queued and died before the send). Longer than customs' upload window, so a queue
 * merely backed up is not flooded with copies (a copy is harmless: the lease uploads a session once).
 */
export const STUCK_QUEUED_AFTER_MS = 3 * CUSTOMS_UPLOAD_WINDOW_MS;
/** How often the sweep runs (an EventBridge schedule deployed; a timer in the local stack). */
export const SWEEP_INTERVAL_MS = 60_000;

/**
 * Bounds on what a session item holds. DynamoDB refuses an item over 400 KB, and an outcome write that
 * fails after customs accepted leaves a grab uploaded again and again: customs' message (it is theirs,
 * any length) is kept to 2 KB, and a payment whose upload would not fit is refused at load.
 */
export const CUSTOMS_MESSAGE_MAX_BYTES = 2 * 1024;
/** A session item stays under this whatever the payment (DynamoDB's limit is 400 KB). */
export const SESSION_ITEM_MAX_BYTES = 350 * 1024;
/**
 * A payment's JSON text at most this long: its payExInfoStr is that text re-keyed plus a guid, a
 * certificate number and a signature (~1 KB), which leaves the session's other attributes ~45 KB.
 */
export const PAYMENT_MAX_BYTES = 300 * 1024;

/** Other orderNos a session keeps when customs repeats its sessionID with them (an operator needs a few, not all). */
export const OTHER_ORDERS_KEPT = 10;

/** Signatures in flight at once: a Ukey signs about 4 a second, so the worker waits its turn. */
export const HSM_PROXY_MAX_CONCURRENT = 4;
/**
 * After a failure that could be a wrong PIN, how long the card is not presented before one probe (an
 * operator's `ceb-grab signer-reset` lets one through at once): cards lock after a few wrong PINs.
 */
export const HSM_PROXY_PIN_COOLDOWN_MS = 15 * 60_000;

/**
 * How many workers the grab queue's event source runs at once, by signer kind (and so the local
 * poller's loops). A card behind `hsm-proxy` signs one at a time, about 4 a second: one worker's
 * batch keeps it busy, and Lambda's smallest maximum is 2. Soft keys and KMS scale with customs.
 */
export const WORKER_MAX_CONCURRENCY = { soft: 20, kms: 20, 'hsm-proxy': 2 } as const;
/** What Lambda allows as an SQS event source's maximum concurrency (a stage's override stays within). */
export const WORKER_MAX_CONCURRENCY_LIMITS = { min: 2, max: 1_000 } as const;

/** A clearance receipt is about 1 KB; anything far larger is not one. */
export const CALLBACK_MAX_BODY_BYTES = 64 * 1024;
/** A partner's callback signature is good this long either side of our clock. */
export const CALLBACK_SIGNATURE_WINDOW_MS = 5 * 60_000;
/**
 * The clearance table's partition-key prefix of the callback's replay markers: the only items the
 * callback function may delete (IAM `dynamodb:LeadingKeys`), to release a marker when recording failed.
 */
export const REPLAY_MARKER_KEY_PREFIX = 'SIG#';

/** A TOP-signed notice's timestamp (Beijing time) is good this long either side of our clock (docs/protocol.md §7). */
export const TOP_TIMESTAMP_WINDOW_MS = 10 * 60_000;

/**
 * POST /payments: at most this many payments (NDJSON lines) and bytes in one request. 6 MB is what a
 * synchronous Lambda invocation takes; 1,000 payments keep one request well inside the API's 29 s.
 */
export const PAYMENT_INTAKE_MAX_LINES = 1_000;
export const PAYMENT_INTAKE_MAX_BYTES = 6 * 1024 * 1024;

/**
 * How long payments, grab sessions and clearance timelines are kept (DynamoDB TTL `expiresAt`), counted
 * from the payment's tradingTime (core/retention.ts). China's E-Commerce Law art. 31 requires keeping
 * transaction information at least three years from the transaction's completion; three years span at
 * most one 29 February, so 3 × 365 + 1 days is never less than three calendar years.
 */
export const RETENTION_DAYS = 3 * 365 + 1;
/** The least a prod stage may keep (the law's three years); a shorter stage setting fails synth. */
export const MIN_PROD_RETENTION_DAYS = RETENTION_DAYS;

/**
 * The numbers more than one room needs, written once: the CDK stacks deploy them, functions/config.ts
 * defaults to them, the adapters fall back on them, and test/cdk checks the README states them.
 * Pure: no environment reads (functions/config.ts reads overrides).
 *
 * The worker's time budget. Customs expects the upload within about 2 minutes of its grab. From a
 * China region customs answers realTimeDataUpload in well under a second, so a reply not back in 4 s
 * is almost always lost: better to send the same bytes again at once (2 tries, at most 2 s apart)
 * than to wait 10 s for it. That is 2 × 4 + 2 = 10 s of a 15 s worker, leaving 5 s to sign and write.
 * The lease (20 s) outlives the worker's timeout, so no second worker takes a session a live one still
 * holds; the queue's visibility timeout (30 s) outlives the lease, so a redelivery after a crash finds
 * it expired. With 30 s between deliveries, the 5 receives span the 2 minutes customs allows.
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
/** The upload worker's Lambda timeout. */
export const WORKER_TIMEOUT_MS = 15_000;
/** How long a worker holds a session: one delivery's worst case (the worker timeout) and a margin. */
export const UPLOAD_LEASE_MS = WORKER_TIMEOUT_MS + 5_000;
/** The grab queue's visibility timeout: longer than the lease (and so than the worker timeout). */
export const GRAB_VISIBILITY_TIMEOUT_MS = 30_000;
/** Receives before a grab message goes to the DLQ; the worker records `failed` on the last one. */
export const MAX_RECEIVES = 5;

/** One request to the HSM / Ukey signing proxy. */
export const HSM_PROXY_TIMEOUT_MS = 5_000;
/** Signatures in flight at once: a Ukey signs about 4 a second, so the worker waits its turn. */
export const HSM_PROXY_MAX_CONCURRENT = 4;

/** A clearance receipt is about 1 KB; anything far larger is not one. */
export const CALLBACK_MAX_BODY_BYTES = 64 * 1024;
/** A partner's callback signature is good this long either side of our clock. */
export const CALLBACK_SIGNATURE_WINDOW_MS = 5 * 60_000;

/**
 * POST /payments: at most this many payments (NDJSON lines) and bytes in one request. 6 MB is what a
 * synchronous Lambda invocation takes; 1,000 payments keep one request well inside the API's 29 s.
 */
export const PAYMENT_INTAKE_MAX_LINES = 1_000;
export const PAYMENT_INTAKE_MAX_BYTES = 6 * 1024 * 1024;

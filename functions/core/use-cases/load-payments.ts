import * as v from 'valibot';
import type { ClearanceStore } from '../clearance/ports.ts';
import { CebGrabError, type FieldIssue, ValidationError } from '../errors.ts';
import type { Clock, GrabQueue, PaymentStore, PutPaymentResult, SessionStore } from '../ports.ts';
import { toFieldIssues } from '../protocol/issues.ts';
import { type Payment, PaymentSchema } from '../protocol/payment.ts';
import { paymentExpiresAt } from '../retention.ts';
import { replayWaitingGrabs } from './replay-waiting-grabs.ts';

/**
 * Load payments, one JSON object per line: validate every line, store the good ones, report the bad
 * ones by line number, field and rule. Storing is idempotent (an identical payment is 'unchanged'), so
 * loading the same file twice changes nothing. Grabs that came before their payment ended `no-data`;
 * once the payment is stored they are queued again, so customs still gets its upload.
 */

/** Storing only: the Payments table's stream replays what waited (functions/payments-stream/). */
export interface StorePaymentsDeps {
  readonly payments: PaymentStore;
  /**
   * Where the orders' inventory links go (an order's copNo in the payment data), kept as long as the
   * payment (`retentionDays` after its tradingTime); none: not linked.
   */
  readonly links?: { readonly store: Pick<ClearanceStore, 'link'>; readonly retentionDays: number };
  /** When a link was made; links are made only with a clock. */
  readonly clock?: Clock;
}

/** Storing, and queueing again at once the `no-data` grabs of each stored payment's orders. */
export interface LoadPaymentsDeps extends StorePaymentsDeps {
  readonly sessions: SessionStore;
  readonly queue: GrabQueue;
  readonly clock: Clock;
}

export interface LoadPaymentsOptions {
  /** Called after every non-blank line, in file order. */
  readonly onProgress?: (progress: LoadProgress) => void;
}

export type LineOutcome = PutPaymentResult | 'rejected' | 'valid';

export interface LoadRejection {
  /** 1-based line number in the file, blank lines included. */
  readonly line: number;
  /** What was wrong: `path` is the field (e.g. `orders[1].recpName`), `(root)` for the whole line. */
  readonly issues: readonly FieldIssue[];
}

export interface ReplayError {
  readonly line: number;
  readonly orderNo: string;
  readonly sessionID?: string;
  readonly error: string;
}

export interface LoadCounts {
  /** Non-blank lines read. */
  readonly lines: number;
  /** Lines that passed validation (when only checking, the only outcome besides `rejected`). */
  readonly valid: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  /** `no-data` grab sessions queued again because their payment arrived. */
  readonly replayed: number;
}

export interface LoadProgress {
  readonly line: number;
  readonly outcome: LineOutcome;
  readonly counts: LoadCounts;
  readonly rejection?: LoadRejection;
  readonly replayErrors: readonly ReplayError[];
}

export interface LoadResult extends LoadCounts {
  readonly rejections: readonly LoadRejection[];
  /** Sessions that should have been replayed but could not be; `ceb-grab replay` can retry them. */
  readonly replayErrors: readonly ReplayError[];
}

/** The store failed in a way a line's content cannot explain (network, throttling): the load stopped. */
export class LoadInterruptedError extends CebGrabError {
  readonly retryable = true;
  constructor(
    readonly line: number,
    /** What was done before the stop; everything stored is kept, so running the load again finishes it. */
    readonly partial: LoadResult,
    options: ErrorOptions,
  ) {
    super(`loading stopped at line ${line}: ${errorText(options.cause)}`, options);
  }
}

export function loadPayments(
  lines: AsyncIterable<string> | Iterable<string>,
  deps: LoadPaymentsDeps | StorePaymentsDeps,
  options: LoadPaymentsOptions = {},
): Promise<LoadResult> {
  return run(lines, deps, options);
}

/** A dry run: every line checked against the field rules as a load would, nothing stored or queued. */
export function checkPayments(
  lines: AsyncIterable<string> | Iterable<string>,
  options: LoadPaymentsOptions = {},
): Promise<LoadResult> {
  return run(lines, undefined, options);
}

async function run(
  lines: AsyncIterable<string> | Iterable<string>,
  deps: LoadPaymentsDeps | StorePaymentsDeps | undefined,
  options: LoadPaymentsOptions,
): Promise<LoadResult> {
  const counts = { lines: 0, valid: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, replayed: 0 };
  const rejections: LoadRejection[] = [];
  const replayErrors: ReplayError[] = [];
  const snapshot = (): LoadResult => ({
    ...counts,
    rejections: [...rejections],
    replayErrors: [...replayErrors],
  });

  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    // A UTF-8 BOM (Windows editors) is not part of the first JSON object.
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    counts.lines++;

    let outcome: LineOutcome;
    let rejection: LoadRejection | undefined;
    let lineReplayErrors: ReplayError[] = [];
    const parsed = parseLine(text);
    if ('issues' in parsed) {
      outcome = 'rejected';
      rejection = { line: lineNo, issues: parsed.issues };
    } else if (!deps) {
      outcome = 'valid';
    } else {
      try {
        outcome = await deps.payments.put(parsed.payment);
      } catch (error) {
        if (!(error instanceof ValidationError)) {
          throw new LoadInterruptedError(lineNo, snapshot(), { cause: error });
        }
        outcome = 'rejected';
        rejection = { line: lineNo, issues: issuesOf(error) };
      }
      if (outcome !== 'rejected') await linkInventories(parsed.payment, lineNo, deps, snapshot);
      if ((outcome === 'created' || outcome === 'updated') && 'sessions' in deps) {
        const replay = await replayNoData(parsed.payment, lineNo, deps);
        counts.replayed += replay.replayed;
        lineReplayErrors = replay.errors;
        replayErrors.push(...replay.errors);
      }
    }

    if (outcome !== 'valid') counts[outcome]++;
    if (outcome !== 'rejected') counts.valid++;
    if (rejection) rejections.push(rejection);
    options.onProgress?.({
      line: lineNo,
      outcome,
      counts: { ...counts },
      ...(rejection ? { rejection } : {}),
      replayErrors: lineReplayErrors,
    });
  }
  return snapshot();
}

function parseLine(text: string): { payment: Payment } | { issues: FieldIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // V8's message may quote the line (and with it an account number): keep only the position.
    const at = /at position (\d+)/.exec(errorText(error))?.[1];
    return {
      issues: [
        { path: '(root)', rule: `not valid JSON${at ? ` (error at character ${Number(at) + 1})` : ''}` },
      ],
    };
  }
  // A list (`[{...}, {...}]` on one line) would otherwise read as an object missing every field.
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { issues: [{ path: '(root)', rule: 'must be one JSON object (one payment) per line' }] };
  }
  const result = v.safeParse(PaymentSchema, json, { message: plainMessage });
  return result.success ? { payment: result.output } : { issues: toFieldIssues(result.issues) };
}

/**
 * The words for the few issues the field rules leave to valibot's defaults (a missing field, an order
 * that is not an object), which would otherwise read "Invalid key: Expected ..." or quote the value.
 */
function plainMessage(issue: v.BaseIssue<unknown>): string {
  // A strict object reports a key it does not know as "expected never": name the field instead.
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    const key = issue.path?.at(-1)?.key;
    return `unknown field ${String(key)}`;
  }
  if (issue.input === undefined) return 'required, missing';
  if (issue.type === 'object') return 'must be a JSON object';
  return `must be ${issue.expected ?? 'valid'}`;
}

const issuesOf = (error: ValidationError): FieldIssue[] =>
  error.issues.length > 0 ? [...error.issues] : [{ path: '(root)', rule: error.message }];

/** The payment's orders that name their inventory's copNo: link it, so its receipts join the order. */
async function linkInventories(
  payment: Payment,
  lineNo: number,
  deps: StorePaymentsDeps,
  snapshot: () => LoadResult,
): Promise<void> {
  if (!deps.links || !deps.clock) return;
  const { store, retentionDays } = deps.links;
  for (const o of payment.orders) {
    if (!o.copNo) continue;
    try {
      await store.link(
        {
          copNo: o.copNo,
          orderNo: o.orderNo,
          source: 'payment',
          ebpCode: payment.ebpCode,
          ...(o.logisticsNo ? { logisticsNo: o.logisticsNo } : {}),
          partner: PAYMENT_DATA_PARTNER,
          linkedAt: deps.clock.now(),
        },
        paymentExpiresAt(payment, retentionDays),
      );
    } catch (error) {
      throw new LoadInterruptedError(lineNo, snapshot(), { cause: error });
    }
  }
}

/** Who a link from the payment data is recorded as. */
export const PAYMENT_DATA_PARTNER = 'payment-data';

/** A stored payment's waiting grabs, queued again at once (replay-waiting-grabs.ts); errors keep their line. */
async function replayNoData(
  payment: Payment,
  line: number,
  deps: LoadPaymentsDeps,
): Promise<{ replayed: number; errors: ReplayError[] }> {
  const result = await replayWaitingGrabs(payment, deps);
  return { replayed: result.replayed, errors: result.errors.map((e) => ({ line, ...e })) };
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

import { ValidationError } from '../errors.ts';
import { PAYMENT_INTAKE_MAX_BYTES, PAYMENT_INTAKE_MAX_LINES } from '../settings.ts';
import { type LoadResult, loadPayments, type StorePaymentsDeps } from './load-payments.ts';

/**
 * POST /payments: the platform's order system sends one payment (a JSON object, pretty-printed or
 * not) or many (NDJSON, one per line). Every line goes through the same validation and store as
 * `ceb-grab load`, and the reply says what became of each line. Idempotent by content: sending the
 * same body again answers `unchanged` for every line.
 */

export type IntakeStatus = 'created' | 'updated' | 'unchanged' | 'rejected';

export interface IntakeLine {
  /** 1-based line of the body (a single pretty-printed payment is line 1) */
  readonly line: number;
  readonly status: IntakeStatus;
  /** what is wrong with a rejected line: `field` is e.g. `orders[1].recpName`, `(root)` for the line */
  readonly errors: readonly { readonly field: string; readonly rule: string }[];
}

export interface IntakeResult {
  readonly lines: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly results: readonly IntakeLine[];
}

/** The body's payments as lines; a ValidationError (nothing stored) when it is empty or too big. */
export function intakeLines(body: string): string[] {
  const bytes = Buffer.byteLength(body);
  if (bytes > PAYMENT_INTAKE_MAX_BYTES) {
    throw new ValidationError(
      `the body is ${bytes} bytes; send at most ${PAYMENT_INTAKE_MAX_BYTES} bytes (split it into several requests)`,
    );
  }
  if (body.trim() === '') {
    throw new ValidationError('the body is empty: send one payment (JSON) or many (NDJSON, one per line)');
  }
  const single = asSingleObject(body);
  if (single !== undefined) return [single];
  const lines = body.split(/\r?\n/);
  const count = lines.filter((l) => l.trim() !== '').length;
  if (count > PAYMENT_INTAKE_MAX_LINES) {
    throw new ValidationError(
      `the body holds ${count} payments; send at most ${PAYMENT_INTAKE_MAX_LINES} in one request`,
    );
  }
  return lines;
}

/** One JSON object spread over several lines is one payment; anything else is read line by line. */
function asSingleObject(body: string): string | undefined {
  if (!body.trimStart().startsWith('{') || !body.includes('\n')) return undefined;
  try {
    const json: unknown = JSON.parse(body);
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? JSON.stringify(json)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function takePayments(body: string, deps: StorePaymentsDeps): Promise<IntakeResult> {
  const lines = intakeLines(body);
  const results: IntakeLine[] = [];
  const result: LoadResult = await loadPayments(lines, deps, {
    onProgress: (p) => {
      // 'valid' is a dry run's outcome; a stored line is created, updated, unchanged or rejected.
      if (p.outcome === 'valid') return;
      results.push({
        line: p.line,
        status: p.outcome,
        errors: (p.rejection?.issues ?? []).map((i) => ({ field: i.path, rule: i.rule })),
      });
    },
  });
  const { created, updated, unchanged, rejected } = result;
  return { lines: result.lines, created, updated, unchanged, rejected, results };
}

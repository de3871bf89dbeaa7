import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { ValidationError } from '#core/errors.ts';
import { BodyTooLargeError, readBody, sendJson } from '#signer-proxy/http-io.ts';
import type { CustomsSimulator } from './server.ts';

/**
 * The in-process API over HTTP, for when the simulator runs as its own process
 * (`ceb-grab customs-sim`). Loopback only, like the rest of the server; no auth.
 */
export const ADMIN_PREFIX = '/sim/';

const nonEmpty = v.pipe(v.string(), v.minLength(1));
const Schemas = {
  certificate: v.object({ ebpCode: nonEmpty, certificatePem: nonEmpty, certNo: v.optional(nonEmpty) }),
  payment: v.object({ payTransactionId: nonEmpty, orderNos: v.pipe(v.array(nonEmpty), v.minLength(1)) }),
  session: v.object({ orderNo: nonEmpty, sessionID: v.optional(nonEmpty) }),
  grab: v.object({
    platDataOpenUrl: v.pipe(v.string(), v.url()),
    orderNo: nonEmpty,
    sessionID: v.optional(nonEmpty),
    escapeQuotes: v.optional(v.boolean()),
    serviceTimeAsString: v.optional(v.boolean()),
    timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  }),
  faults: v.object({
    latencyMs: v.optional(v.pipe(v.number(), v.minValue(0))),
    slowMs: v.optional(v.pipe(v.number(), v.minValue(0))),
    ...Object.fromEntries(
      [
        'error5xxRate',
        'resetRate',
        'timeoutRate',
        'lostReplyRate',
        'busy20000Rate',
        'storageFailureFirstRate',
        'slowRate',
      ].map((k) => [k, v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1)))]),
    ),
  }),
};

class BadRequest extends Error {}

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  sim: CustomsSimulator,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'POST /sim/certificates': {
        const b = await input(req, Schemas.certificate);
        const cert = sim.registerCertificate(b.ebpCode, b.certificatePem, b.certNo);
        return sendJson(res, 201, { ebpCode: b.ebpCode, certNo: cert.certNo, algorithm: cert.algorithm });
      }
      case 'POST /sim/payments': {
        const b = await input(req, Schemas.payment);
        sim.declarePayment(b.payTransactionId, b.orderNos);
        return sendJson(res, 201, b);
      }
      case 'POST /sim/sessions': {
        const b = await input(req, Schemas.session);
        return sendJson(res, 201, { sessionID: sim.registerSession(b.orderNo, b.sessionID) });
      }
      case 'GET /sim/sessions':
        return sendJson(res, 200, { sessions: sim.sessions() });
      case 'POST /sim/grabs': {
        const { platDataOpenUrl, orderNo, ...opts } = await input(req, Schemas.grab);
        try {
          return sendJson(res, 200, await sim.sendGrab(platDataOpenUrl, orderNo, opts));
        } catch (e) {
          return sendJson(res, 502, { error: `grab to ${platDataOpenUrl} failed: ${(e as Error).message}` });
        }
      }
      case 'GET /sim/uploads':
        return sendJson(res, 200, { uploads: sim.uploads(url.searchParams.get('sessionID') ?? undefined) });
      case 'GET /sim/faults':
        return sendJson(res, 200, sim.faults());
      case 'PUT /sim/faults': {
        const b = await input(req, Schemas.faults);
        sim.setFaults(b);
        return sendJson(res, 200, sim.faults());
      }
      default: {
        const one = /^GET \/sim\/sessions\/([^/]+)$/.exec(route);
        const session = one?.[1] === undefined ? undefined : sim.session(decodeURIComponent(one[1]));
        if (session) return sendJson(res, 200, session);
        return sendJson(res, 404, { error: `no such route or session: ${route}` });
      }
    }
  } catch (e) {
    if (e instanceof BadRequest || e instanceof ValidationError)
      return sendJson(res, 400, { error: e.message });
    if (e instanceof BodyTooLargeError) return sendJson(res, 413, { error: e.message });
    throw e;
  }
}

async function input<S extends v.GenericSchema>(req: IncomingMessage, schema: S): Promise<v.InferOutput<S>> {
  let json: unknown;
  try {
    json = JSON.parse(await readBody(req));
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw e;
    throw new BadRequest('body must be JSON');
  }
  const result = v.safeParse(schema, json);
  if (!result.success) {
    const flat = v.flatten(result.issues);
    throw new BadRequest(
      `invalid body: ${JSON.stringify({ ...flat.nested, ...(flat.root ? { root: flat.root } : {}) })}`,
    );
  }
  return result.output;
}

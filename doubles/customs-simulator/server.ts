import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CertificateInfo } from '#core/crypto/certificate.ts';
import { sendJson } from '#signer-proxy/http-io.ts';
import { ADMIN_PREFIX, handleAdmin } from './admin-routes.ts';
import { CustomsState, type SessionStatus, type UploadRecord } from './customs-state.ts';
import { type FaultAction, FaultLog, type Faults, NO_FAULTS } from './faults.ts';
import { buildOpenReq, type GrabOptions, type GrabResult, postGrab } from './send-grab.ts';
import { handleUpload, UPLOAD_PATH } from './upload-route.ts';

export interface CustomsSimulatorOptions {
  /** 0 (the default) picks a free port. The server listens on 127.0.0.1 only. */
  readonly port?: number;
  readonly faults?: Faults;
  /** Injectable clock for tests. */
  readonly now?: () => number;
}

export interface CustomsSimulator {
  /** e.g. http://127.0.0.1:8300 */
  readonly url: string;
  /** where the product uploads: `${url}/ceb2grab/grab/realTimeDataUpload` */
  readonly uploadUrl: string;
  readonly port: number;

  /** Register an E-Port certificate for an ebpCode; several per ebpCode are allowed. */
  /** `certNo`: as the card reports it, when it is not the serial's hex */
  registerCertificate(ebpCode: string, certificatePem: string, certNo?: string): CertificateInfo;
  /** What customs knows from declarations: every order a payment paid. Uploads must list them all. */
  declarePayment(payTransactionId: string, orderNos: readonly string[]): void;
  /** Treat a sessionID as issued by this customs without sending a grab (recorded vectors, replays). */
  registerSession(orderNo: string, sessionID?: string): string;
  /** Issue a session and send its grab to the platform; the session is known before the POST leaves. */
  sendGrab(platDataOpenUrl: string, orderNo: string, opts?: GrabOptions): Promise<GrabResult>;

  sessions(): SessionStatus[];
  session(sessionID: string): SessionStatus | undefined;
  /** Every upload received, oldest first (optionally for one session). */
  uploads(sessionID?: string): UploadRecord[];
  /** Resolve when each session has at least one verdict (accepted or refused). */
  waitForUploads(sessionIDs: readonly string[], timeoutMs?: number): Promise<SessionStatus[]>;
  /** Resolve when each session is accepted; SimulatorWaitTimeoutError names the rest. */
  waitForAccepted(sessionIDs: readonly string[], timeoutMs?: number): Promise<SessionStatus[]>;

  faults(): Faults;
  setFaults(faults: Faults): void;
  /** Faults injected so far, by kind; or those that struck one session's uploads, in order. */
  faultsInjected(): Partial<Record<FaultAction, number>>;
  faultsOf(sessionID: string): readonly FaultAction[];
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 30_000;

export async function startCustomsSimulator(opts: CustomsSimulatorOptions = {}): Promise<CustomsSimulator> {
  const now = opts.now ?? Date.now;
  const state = new CustomsState(now);
  let faults: Faults = opts.faults ?? NO_FAULTS;
  const faultLog = new FaultLog();

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (e as Error).message });
      else res.destroy();
    });
  });
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === UPLOAD_PATH) {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
      return handleUpload(req, res, { state, faults: () => faults, faultLog, now });
    }
    if (path.startsWith(ADMIN_PREFIX)) return handleAdmin(req, res, sim);
    sendJson(res, 404, { error: `no route ${req.method} ${path}` });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  const sim: CustomsSimulator = {
    url,
    uploadUrl: `${url}${UPLOAD_PATH}`,
    port,
    registerCertificate: (ebpCode, pem, certNo) => state.registerCertificate(ebpCode, pem, certNo),
    declarePayment: (id, orderNos) => state.declarePayment(id, orderNos),
    registerSession: (orderNo, sessionID) => state.issueSession(orderNo, sessionID),
    async sendGrab(platDataOpenUrl, orderNo, grabOpts = {}) {
      const sessionID = state.issueSession(orderNo, grabOpts.sessionID);
      const sentAt = now();
      const openReq = buildOpenReq({ orderNo, sessionID, serviceTime: sentAt }, grabOpts);
      try {
        const { httpStatus, reply } = await postGrab(platDataOpenUrl, openReq, grabOpts.timeoutMs);
        state.recordGrab(sessionID, { httpStatus });
        return { sessionID, httpStatus, reply, sentAt };
      } catch (e) {
        state.recordGrab(sessionID, { error: (e as Error).message });
        throw e;
      }
    },
    sessions: () => state.sessions(),
    session: (id) => state.session(id),
    uploads: (id) => state.uploads(id),
    waitForUploads: (ids, ms = DEFAULT_WAIT_MS) =>
      state.waitFor(ids, (s) => s.status !== 'issued', 'uploaded', ms),
    waitForAccepted: (ids, ms = DEFAULT_WAIT_MS) =>
      state.waitFor(ids, (s) => s.status === 'accepted', 'accepted', ms),
    faults: () => faults,
    setFaults: (f) => {
      faults = f;
    },
    faultsInjected: () => faultLog.counts(),
    faultsOf: (id) => faultLog.of(id),
    close: () => {
      state.abortWaits('customs simulator closed');
      closing ??= closeServer(server);
      return closing;
    },
  };
  return sim;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((e) => (e ? reject(e) : resolve()));
    // Keep-alive connections from the product's HTTP agent would hold close() open.
    server.closeAllConnections();
  });
}

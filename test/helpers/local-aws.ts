import { randomUUID } from 'node:crypto';
import { type Moto, startMoto } from '#local/moto.ts';
import { createLocalResources, type LocalResources } from '#local/resources.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '#local/stack-file.ts';

/**
 * One real moto_server per test file (started in `before`, stopped by PID in `after`), and a fresh
 * set of tables and queues per test so tests never see each other's rows.
 */
export const REGION = LOCAL_REGION;

export interface LocalAws {
  readonly moto: Moto;
  readonly endpoint: string;
  /** Fresh tables and queues under a new prefix; also sets the process env the functions read. */
  fresh(opts?: { visibilityTimeoutSeconds?: number; maxReceives?: number }): Promise<LocalResources>;
  stop(): Promise<void>;
}

export async function startLocalAws(): Promise<LocalAws> {
  const moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  return {
    moto,
    endpoint: moto.endpoint,
    async fresh(opts = {}) {
      const resources = await createLocalResources({
        endpoint: moto.endpoint,
        region: REGION,
        prefix: `t${randomUUID().slice(0, 8)}`,
        ...opts,
      });
      Object.assign(process.env, {
        SESSIONS_TABLE: resources.sessionsTable,
        PAYMENTS_TABLE: resources.paymentsTable,
        CERTIFICATES_TABLE: resources.certificatesTable,
        CLEARANCE_TABLE: resources.clearanceTable,
        GRAB_QUEUE_URL: resources.grabQueueUrl,
        GRAB_DLQ_URL: resources.grabDlqUrl,
        MAX_RECEIVES: String(resources.maxReceives),
      });
      return resources;
    },
    stop: () => moto.stop(),
  };
}

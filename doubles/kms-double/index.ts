import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readBody } from '#signer-proxy/http-io.ts';
import { type CreateKeyOptions, type DoubleKey, makeKey } from './keys.ts';
import { type Body, describeKey, getPublicKey, KmsDoubleError, sign } from './operations.ts';

/**
 * A KMS test double: an HTTP server on 127.0.0.1 that speaks the KMS JSON 1.1 protocol
 * (`X-Amz-Target: TrentService.<Operation>`) for DescribeKey, GetPublicKey and Sign, and signs SM2
 * in software. It exists because moto, the local AWS emulator, has neither SM2 keys nor DIGEST
 * signing. Point an SDK client at `endpoint` (or set AWS_ENDPOINT_URL_KMS); credentials are not checked.
 */
export interface KmsDouble {
  readonly endpoint: string;
  /** Make a key; SM2 keys can be imported from a PEM (e.g. a throwaway certificate's key). */
  createKey(opts?: CreateKeyOptions): { keyId: string; arn: string; alias?: string };
  setEnabled(keyId: string, enabled: boolean): void;
  /** The next `times` requests fail with this KMS error (e.g. ThrottlingException, 500s). */
  failNext(error: { type: string; status?: number; message?: string }, times?: number): void;
  /** Operation names and request bodies, oldest first (digests only, never key material). */
  readonly requests: readonly { operation: string; body: Body }[];
  close(): Promise<void>;
}

const OPERATIONS: Record<string, (body: Body, find: (keyId: unknown) => DoubleKey) => Body> = {
  DescribeKey: describeKey,
  GetPublicKey: getPublicKey,
  Sign: sign,
};

export async function startKmsDouble(
  opts: { port?: number; region?: string; accountId?: string } = {},
): Promise<KmsDouble> {
  const region = opts.region ?? 'cn-north-1';
  const partition = region.startsWith('cn-') ? 'aws-cn' : 'aws';
  const arnPrefix = `arn:${partition}:kms:${region}:${opts.accountId ?? '111122223333'}`;
  const keys = new Map<string, DoubleKey>();
  const aliases = new Map<string, string>();
  const requests: { operation: string; body: Body }[] = [];
  let failures: { error: KmsDoubleError; times: number } | undefined;

  // KeyId may be a key id, a key ARN, `alias/<name>` or an alias ARN, as in KMS.
  const find = (keyId: unknown): DoubleKey => {
    if (typeof keyId !== 'string' || keyId === '') {
      throw new KmsDoubleError('ValidationException', 'KeyId is required.');
    }
    const tail = keyId.startsWith('arn:') ? keyId.split(':').slice(5).join(':') : keyId;
    const id = tail.startsWith('alias/') ? aliases.get(tail) : tail.replace(/^key\//, '');
    const key = id === undefined ? undefined : keys.get(id);
    if (!key) throw new KmsDoubleError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : '';
      const run = OPERATIONS[operation];
      if (req.method !== 'POST' || !run) {
        throw new KmsDoubleError('UnknownOperationException', `the KMS double has no operation ${target}`);
      }
      const body = JSON.parse((await readBody(req, 1_000_000)) || '{}') as Body;
      requests.push({ operation, body });
      if (failures && failures.times > 0) {
        failures.times -= 1;
        throw failures.error;
      }
      reply(res, 200, run(body, find));
    } catch (e) {
      const error =
        e instanceof KmsDoubleError
          ? e
          : e instanceof SyntaxError || e instanceof BodyTooLargeError
            ? new KmsDoubleError('SerializationException', e.message)
            : new KmsDoubleError('KMSInternalException', 'internal error in the KMS double', 500);
      res.setHeader('x-amzn-errortype', error.type);
      reply(res, error.status, { __type: error.type, message: error.message });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    createKey(keyOpts = {}) {
      const key = makeKey(keyOpts, arnPrefix);
      keys.set(key.keyId, key);
      if (!keyOpts.alias) return { keyId: key.keyId, arn: key.arn };
      const alias = keyOpts.alias.startsWith('alias/') ? keyOpts.alias : `alias/${keyOpts.alias}`;
      aliases.set(alias, key.keyId);
      return { keyId: key.keyId, arn: key.arn, alias };
    },
    setEnabled(keyId, enabled) {
      find(keyId).enabled = enabled;
    },
    failNext(error, times = 1) {
      failures = {
        error: new KmsDoubleError(error.type, error.message ?? error.type, error.status ?? 400),
        times,
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, body: Body): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

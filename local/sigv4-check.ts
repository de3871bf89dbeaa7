import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './sha256.ts';

/** The service an IAM-authorized API Gateway route is signed for. */
export const EXECUTE_API = 'execute-api';
/** How far X-Amz-Date may be from the clock, either way, as API Gateway allows. */
const SKEW_MS = 15 * 60 * 1000;

export interface IamCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface IamAuthOptions {
  /** The region requests must be signed for (the credential scope's). */
  readonly region: string;
  /** The identities the local stack knows: any other access key id is refused. */
  readonly credentials: readonly IamCredential[];
  readonly now?: () => Date;
}

/** A request as the server received it: the path still percent-encoded, every header line. */
export interface ReceivedRequest {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** name, value, name, value… (node's rawHeaders) */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export type IamCheck =
  | { readonly ok: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly errorType: string; readonly message: string };

const refuse = (errorType: string, message: string): IamCheck => ({ ok: false, errorType, message });
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * API Gateway's AWS_IAM check, for the local API: recompute the SigV4 signature from the request as
 * received (method, path, query, the signed headers, the body's own hash) with the known secret of
 * the access key named, and compare in constant time. Refusals carry API Gateway's messages.
 */
export async function checkSigV4(req: ReceivedRequest, opts: IamAuthOptions): Promise<IamCheck> {
  const headers = headerMap(req.rawHeaders);
  const authorization = headers.get('authorization');
  if (authorization === undefined)
    return refuse('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const auth = parseAuthorization(authorization);
  if ('missing' in auth) {
    return refuse(
      'IncompleteSignatureException',
      auth.missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' ') +
        ` Authorization=${authorization.split(' ')[0]}`,
    );
  }
  const amzDate = headers.get('x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return refuse(
      'IncompleteSignatureException',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  if (!auth.signedHeaders.includes('host')) {
    return refuse(
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  const [keyId = '', day = '', region = '', service = '', terminator = ''] = auth.credential.split('/');
  if (terminator !== 'aws4_request') {
    return refuse(
      'IncompleteSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    );
  }
  if (service !== EXECUTE_API) {
    return refuse(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${EXECUTE_API}'. `,
    );
  }
  if (region !== opts.region) {
    return refuse(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${region}'. `,
    );
  }
  if (day !== amzDate.slice(0, 8)) {
    return refuse(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  const credential = opts.credentials.find((c) => c.accessKeyId === keyId);
  if (!credential)
    return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');

  const signedAt = parseAmzDate(amzDate);
  const now = (opts.now ?? (() => new Date()))();
  if (signedAt.getTime() < now.getTime() - SKEW_MS) {
    return refuse(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${amz(now.getTime() - SKEW_MS)} (${amz(now.getTime())} - 15 min.)`,
    );
  }
  if (signedAt.getTime() > now.getTime() + SKEW_MS) {
    return refuse(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDate} is still later than ${amz(now.getTime() + SKEW_MS)} (${amz(now.getTime())} + 15 min.)`,
    );
  }

  // The payload hash is always the body's own: a client's x-amz-content-sha256 is only a signed header,
  // and must name the body that came (the signer would otherwise take it on trust).
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const claimed = headers.get('x-amz-content-sha256');
  if (claimed !== undefined && claimed !== bodyHash) return refuse('InvalidSignatureException', MISMATCH);
  const signed: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = name === 'host' ? (headers.get('host') ?? req.host) : headers.get(name);
    if (value === undefined) return refuse('InvalidSignatureException', MISMATCH);
    signed[name] = value;
  }
  const query: Record<string, string[]> = {};
  for (const [k, v] of req.query) query[k] = [...(query[k] ?? []), v];

  const signer = new SignatureV4({
    service: EXECUTE_API,
    region: opts.region,
    credentials: credential,
    sha256: Sha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  const resigned = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: req.host,
      path: req.path,
      query,
      headers: signed,
      body: req.body,
    },
    { signingDate: signedAt, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(resigned.headers.authorization))?.[1] ?? '';
  return sameText(expected, auth.signature)
    ? { ok: true, accessKeyId: keyId }
    : refuse('InvalidSignatureException', MISMATCH);
}

/** Lower-cased header names, repeated lines joined with commas (SigV4's canonical form). */
function headerMap(raw: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const before = map.get(name);
    map.set(name, before === undefined ? value : `${before},${value}`);
  }
  return map;
}

type ParsedAuthorization =
  | { readonly credential: string; readonly signedHeaders: readonly string[]; readonly signature: string }
  | { readonly missing: readonly string[] };

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=a;b, Signature=hex` */
function parseAuthorization(value: string): ParsedAuthorization {
  const [algorithm = '', ...rest] = value.trim().split(/\s+/);
  const params = new Map(
    rest
      .join('')
      .split(',')
      .map((p) => {
        const eq = p.indexOf('=');
        return [p.slice(0, eq), p.slice(eq + 1)] as const;
      }),
  );
  const credential = params.get('Credential');
  const signedHeaders = params.get('SignedHeaders');
  const signature = params.get('Signature');
  if (algorithm !== 'AWS4-HMAC-SHA256' || !credential || !signedHeaders || !signature) {
    const missing = (['Credential', 'Signature', 'SignedHeaders'] as const).filter((p) => !params.get(p));
    return { missing: missing.length ? missing : ['Credential'] };
  }
  return { credential, signedHeaders: signedHeaders.toLowerCase().split(';'), signature };
}

function parseAmzDate(v: string): Date {
  return new Date(
    `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}T${v.slice(9, 11)}:${v.slice(11, 13)}:${v.slice(13, 15)}Z`,
  );
}

const amz = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.ts';
import { checkSigV4, type IamAuthOptions } from './sigv4-check.ts';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** How API Gateway authorizes a route: none, or AWS_IAM (a SigV4-signed request). */
export type RouteAuth = 'none' | 'iam';

export interface Route {
  readonly method: string;
  /** API Gateway resource path, e.g. `/orders/{orderNo}/status` */
  readonly resource: string;
  /** as the CDK API's authorizationType (test/cdk/openapi-routes.test.ts compares them) */
  readonly auth: RouteAuth;
  readonly functionName: string;
  readonly handler: ProxyHandler;
}

const MAX_BODY = 10 * 1024 * 1024; // API Gateway's payload limit

/**
 * API Gateway on loopback: each HTTP request becomes a REST API proxy event for the route's
 * Lambda handler, and the handler's result becomes the HTTP reply.
 */
export async function startApiServer(
  routes: readonly Route[],
  port: number,
  opts: { readonly iam?: IamAuthOptions } = {},
): Promise<{ server: Server; url: string }> {
  const iam = opts.iam;
  if (!iam && routes.some((r) => r.auth === 'iam')) {
    throw new Error(
      'the API has IAM-authorized routes: give startApiServer the credentials to check them against',
    );
  }
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const match = routes
        .map((r) => ({ r, params: matchPath(r.resource, url.pathname) }))
        .find((m) => m.params && m.r.method === req.method);
      if (!match?.params) {
        const known = routes.some((r) => matchPath(r.resource, url.pathname));
        res.writeHead(known ? 405 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: known ? 'Method Not Allowed' : 'Missing Authentication Token' }));
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        res
          .writeHead(413, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Request Too Long' }));
        return;
      }
      let accessKey: string | null = null;
      if (match.r.auth === 'iam' && iam) {
        // API Gateway checks the signature before the integration: a refused request reaches no handler.
        const check = await checkSigV4(
          {
            method: req.method ?? 'GET',
            host: req.headers.host ?? '',
            path: url.pathname,
            query: url.searchParams,
            rawHeaders: req.rawHeaders,
            body,
          },
          iam,
        );
        if (!check.ok) {
          res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-ErrorType': check.errorType });
          res.end(JSON.stringify({ message: check.message }));
          return;
        }
        accessKey = check.accessKeyId;
      }
      const event = toProxyEvent(req, url, match.r.resource, match.params, body, accessKey);
      const result = await match.r.handler(event, lambdaContext(match.r.functionName));
      res.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) });
      res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    } catch (e) {
      // What API Gateway shows when the Lambda throws.
      process.stderr.write(`api: handler failed: ${(e as Error).stack ?? e}\n`);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal server error' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: actual } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${actual}` };
}

function matchPath(resource: string, path: string): Record<string, string> | undefined {
  const want = resource.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith('{') && w.endsWith('}')) params[w.slice(1, -1)] = decodeURIComponent(g);
    else if (w !== g) return undefined;
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toProxyEvent(
  req: IncomingMessage,
  url: URL,
  resource: string,
  pathParameters: Record<string, string>,
  body: Buffer,
  accessKey: string | null,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const value = req.rawHeaders[i + 1] ?? '';
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    multiQuery[k] = [...(multiQuery[k] ?? []), v];
  }
  const text = body.toString('utf8');
  // API Gateway passes text bodies through and base64-encodes the rest.
  const isText = Buffer.from(text, 'utf8').equals(body);
  const now = Date.now();
  return {
    resource,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    stageVariables: null,
    body: body.length === 0 ? null : isText ? text : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: req.method ?? 'GET',
      identity: {
        accessKey,
        accountId: accessKey ? '000000000000' : null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/local${url.pathname}`,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: resource,
    },
  };
}

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KEYS_PATH, SIGN_PATH } from '#adapters/signers/hsm-proxy-protocol.ts';
import { REPO_ROOT } from '../../lib/repo-root.ts';
import { synthesize } from './synth.ts';

/**
 * docs/openapi.yaml is the one description of the HTTP interfaces: the routes the local API serves,
 * the routes the CDK API deploys and the signing proxy's own must be exactly the ones it lists, and
 * the routes it marks SigV4 exactly the ones the CDK API makes AWS_IAM and the local API checks.
 */
const synth = synthesize({ bundle: false });
after(() => synth.cleanup());

/**
 * `METHOD /path` by server, read from the document's `paths`: a path at two spaces, its `x-served-by`
 * and its operations at four. (The project carries no YAML parser; the document keeps to this layout.)
 */
function documented(): Map<string, string[]> {
  const byServer = new Map<string, string[]>();
  for (const op of operations()) byServer.set(op.server, [...(byServer.get(op.server) ?? []), op.route]);
  for (const list of byServer.values()) list.sort();
  return byServer;
}

/** Each operation of the document's `paths`: `METHOD /path`, its server, and its security schemes. */
function operations(): { route: string; server: string; security: string[] }[] {
  const text = readFileSync(join(REPO_ROOT, 'docs', 'openapi.yaml'), 'utf8');
  const paths = text.slice(text.indexOf('\npaths:\n'));
  const ops: { route: string; server: string; security: string[] }[] = [];
  let path = '';
  let server = '';
  const methods: { method: string; security: string[] }[] = [];
  const flush = () => {
    if (path)
      ops.push(...methods.map((m) => ({ route: `${m.method} ${path}`, server, security: m.security })));
    methods.length = 0;
  };
  for (const line of paths.split('\n')) {
    const p = /^ {2}(\/\S*):$/.exec(line)?.[1];
    if (p) {
      flush();
      path = p;
      server = '';
      continue;
    }
    const by = /^ {4}x-served-by: (\S+)$/.exec(line)?.[1];
    if (by) server = by;
    const method = /^ {4}(get|post|put|delete|patch):$/.exec(line)?.[1];
    if (method) methods.push({ method: method.toUpperCase(), security: [] });
    const security = /^ {6}security: \[(.*)\]$/.exec(line)?.[1];
    const current = methods[methods.length - 1];
    if (security !== undefined && current)
      current.security = [...security.matchAll(/\{ (\w+): \[\] \}/g)].map((m) => m[1] ?? '');
  }
  flush();
  return ops;
}

/** `METHOD /path` of every method of the synthesized REST API, its path rebuilt from the resource tree. */
function deployed(authorizationType?: string): string[] {
  const template = synth.stateless.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    if (!id) return ''; // the root resource (Fn::GetAtt RootResourceId)
    const r = template[id]?.Properties ?? assert.fail(`no resource ${id}`);
    return `${pathOf(r.ParentId)}/${String(r.PathPart)}`;
  };
  return Object.values(template)
    .filter((r) => r.Type === 'AWS::ApiGateway::Method')
    .filter((m) => authorizationType === undefined || m.Properties.AuthorizationType === authorizationType)
    .map((m) => `${String(m.Properties.HttpMethod)} ${pathOf(m.Properties.ResourceId)}`)
    .sort();
}

describe('docs/openapi.yaml matches what is served', () => {
  const doc = documented();

  it('lists the API routes and the signing proxy routes', () => {
    assert.deepEqual([...doc.keys()].sort(), ['grab-api', 'signer-proxy']);
  });

  it('the CDK API deploys exactly the documented grab-api routes', () => {
    assert.deepEqual(deployed(), doc.get('grab-api'));
  });

  const localApi = async () => {
    Object.assign(process.env, {
      SESSIONS_TABLE: 's',
      PAYMENTS_TABLE: 'p',
      CLEARANCE_TABLE: 'c',
      GRAB_QUEUE_URL: 'http://127.0.0.1:1/q',
      CALLBACK_PARTNER_SECRETS: JSON.stringify({ p: 'secret-of-the-openapi-test' }),
    });
    const { localRoutes } = await import('#local/routes.ts');
    return localRoutes();
  };

  it('the local API serves exactly the documented grab-api routes', async () => {
    const served = (await localApi()).map((r) => `${r.method} ${r.resource}`).sort();
    assert.deepEqual(served, doc.get('grab-api'));
  });

  it('the SigV4 routes are the same three ways: documented, AWS_IAM in the CDK API, checked by the local API', async () => {
    const documentedSigV4 = operations()
      .filter((op) => op.server === 'grab-api' && op.security.includes('sigv4'))
      .map((op) => op.route)
      .sort();
    assert.deepEqual(documentedSigV4, ['GET /orders/{orderNo}/status', 'POST /payments']);
    assert.deepEqual(deployed('AWS_IAM'), documentedSigV4);
    const localIam = (await localApi())
      .filter((r) => r.auth === 'iam')
      .map((r) => `${r.method} ${r.resource}`)
      .sort();
    assert.deepEqual(localIam, documentedSigV4);
  });

  it("the signing proxy's own routes are the documented ones", () => {
    assert.deepEqual(doc.get('signer-proxy'), [`GET ${KEYS_PATH}{keyId}`, `POST ${SIGN_PATH}`].sort());
  });
});

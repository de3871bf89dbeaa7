import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { KEYS_PATH, SIGN_PATH } from '#adapters/signers/hsm-proxy-protocol.ts';
import { REPO_ROOT } from '../../lib/repo-root.ts';
import { synthesize } from './synth.ts';

/**
 * docs/openapi.yaml is the one description of the HTTP interfaces: the routes the local API serves,
 * the routes the CDK API deploys and the signing proxy's own must be exactly the ones it lists.
 */
const synth = synthesize({ bundle: false });
after(() => synth.cleanup());

/**
 * `METHOD /path` by server, read from the document's `paths`: a path at two spaces, its `x-served-by`
 * and its operations at four. (The project carries no YAML parser; the document keeps to this layout.)
 */
function documented(): Map<string, string[]> {
  const text = readFileSync(join(REPO_ROOT, 'docs', 'openapi.yaml'), 'utf8');
  const paths = text.slice(text.indexOf('\npaths:\n'));
  const byServer = new Map<string, string[]>();
  let path = '';
  let server = '';
  const methods: string[] = [];
  const flush = () => {
    if (path) byServer.set(server, [...(byServer.get(server) ?? []), ...methods.map((m) => `${m} ${path}`)]);
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
    if (method) methods.push(method.toUpperCase());
  }
  flush();
  for (const list of byServer.values()) list.sort();
  return byServer;
}

/** `METHOD /path` of every method of the synthesized REST API, its path rebuilt from the resource tree. */
function deployed(): string[] {
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

  it('the local API serves exactly the documented grab-api routes', async () => {
    Object.assign(process.env, {
      SESSIONS_TABLE: 's',
      PAYMENTS_TABLE: 'p',
      CLEARANCE_TABLE: 'c',
      GRAB_QUEUE_URL: 'http://127.0.0.1:1/q',
      CALLBACK_PARTNER_SECRETS: JSON.stringify({ p: 'secret-of-the-openapi-test' }),
    });
    const { localRoutes } = await import('#local/routes.ts');
    const served = (await localRoutes()).map((r) => `${r.method} ${r.resource}`).sort();
    assert.deepEqual(served, doc.get('grab-api'));
  });

  it("the signing proxy's own routes are the documented ones", () => {
    assert.deepEqual(doc.get('signer-proxy'), [`GET ${KEYS_PATH}{keyId}`, `POST ${SIGN_PATH}`].sort());
  });
});

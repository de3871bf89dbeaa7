import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { makeThrowawayCertificate } from '#local/throwaway-certificate.ts';
import { HOUSE_BUNDLING } from '../../lib/constructs/house-bundling.ts';
import { quantile } from '../lib/stats.ts';

/**
 * Cold start: each function bundled exactly as HouseFunction has CDK bundle it (HOUSE_BUNDLING:
 * minified ESM for Node 22, `module` before `main`, the require shim, an external source map, the AWS
 * SDK inside but for the parts it loads only on paths never taken in Lambda), then imported in fresh
 * Node processes with the environment it reads at init and the deployed NODE_OPTIONS. The worker is
 * built once per signer entry the stack can pick. When a `cdk synth` left bundles in cdk.out, their
 * sizes are shown beside ours. A second bundle of each with `@aws-sdk/*` left to the Lambda runtime
 * shows what that would trade.
 */

interface FunctionSpec {
  readonly name: string;
  readonly entry: string;
  /** the CDK logical id prefix, to find its asset in cdk.out (the test stage's worker signs with a soft key) */
  readonly logicalId?: string;
  readonly memoryMb: number;
  readonly env: Record<string, string>;
}

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** the same function's index.mjs from the last `cdk synth`, when it is newer than the sources */
  readonly cdkOutBytes?: number;
  readonly cdkOutStale?: boolean;
  readonly topPackages: readonly { readonly name: string; readonly bytes: number }[];
  readonly init: InitFigures;
  readonly sdkExternal: { readonly bytes: number; readonly init: InitFigures };
}

export interface InitFigures {
  readonly runs: number;
  readonly wallMsMin: number;
  readonly wallMsMedian: number;
  readonly cpuMsMedian: number;
}

export async function bundlesSection(outDir: string, runs = 5): Promise<BundleFigures[]> {
  mkdirSync(outDir, { recursive: true });
  const material = makeThrowawayCertificate();
  writeFileSync(join(outDir, 'signer.key.pem'), material.privateKeyPem);
  writeFileSync(join(outDir, 'signer.cert.pem'), material.certificatePem);
  const common = {
    AWS_REGION: 'cn-north-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: 'ceb-grab',
    POWERTOOLS_METRICS_NAMESPACE: 'CebGrab',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const worker = {
    SESSIONS_TABLE: 'sessions',
    PAYMENTS_TABLE: 'payments',
    CERTIFICATES_TABLE: 'certificates',
    CUSTOMS_UPLOAD_URL: 'https://customs.invalid/ceb2grab/grab/realTimeDataUpload',
  };
  const proxy = { ...worker, SIGNER_KIND: 'hsm-proxy', HSM_PROXY_URL: 'https://signer.invalid:8443' };
  const specs: FunctionSpec[] = [
    {
      name: 'grab-request',
      entry: 'functions/grab-request/handler.ts',
      logicalId: 'GrabRequest',
      memoryMb: 256,
      env: { SESSIONS_TABLE: 'sessions', GRAB_QUEUE_URL: 'https://sqs.invalid/000000000000/grabs' },
    },
    {
      name: 'upload-worker (soft key)',
      entry: 'functions/upload-worker/handler-soft.ts',
      logicalId: 'UploadWorker',
      memoryMb: 512,
      env: {
        ...worker,
        SIGNER_KIND: 'soft',
        SOFT_SIGNER_KEY: join(outDir, 'signer.key.pem'),
        SOFT_SIGNER_CERT: join(outDir, 'signer.cert.pem'),
      },
    },
    {
      name: 'upload-worker (kms)',
      entry: 'functions/upload-worker/handler-kms.ts',
      memoryMb: 512,
      env: { ...worker, SIGNER_KIND: 'kms' },
    },
    {
      name: 'upload-worker (hsm-proxy, token in Secrets Manager)',
      entry: 'functions/upload-worker/handler-hsm-proxy-secret.ts',
      memoryMb: 512,
      env: { ...proxy, HSM_PROXY_TOKEN_SECRET_ID: 'ceb-grab/hsm-proxy-token' },
    },
    {
      name: 'upload-worker (hsm-proxy, token in SSM)',
      entry: 'functions/upload-worker/handler-hsm-proxy-parameter.ts',
      memoryMb: 512,
      env: { ...proxy, HSM_PROXY_TOKEN_PARAMETER: '/ceb-grab/hsm-proxy-token' },
    },
    {
      name: 'clearance-callback',
      entry: 'functions/clearance-callback/handler.ts',
      logicalId: 'ClearanceCallback',
      memoryMb: 256,
      env: {
        CLEARANCE_TABLE: 'clearance',
        CALLBACK_PARTNER_SECRETS: JSON.stringify({ bench: 'b'.repeat(32) }),
      },
    },
    {
      name: 'order-status',
      entry: 'functions/order-status/handler.ts',
      logicalId: 'OrderStatus',
      memoryMb: 256,
      env: { SESSIONS_TABLE: 'sessions', PAYMENTS_TABLE: 'payments', CLEARANCE_TABLE: 'clearance' },
    },
  ];
  const cdkOut = cdkOutBundleSizes();
  const newestSource = newestMtime(['functions', 'package-lock.json']);
  const built = new Map<
    string,
    { file: string; bytes: number; mapBytes: number; top: BundleFigures['topPackages'] }
  >();
  const figures: BundleFigures[] = [];
  for (const spec of specs) {
    const house =
      built.get(spec.entry) ??
      (await bundle(spec.entry, join(outDir, slug(spec.entry)), HOUSE_BUNDLING.external));
    const external =
      built.get(`${spec.entry} ext`) ??
      (await bundle(spec.entry, join(outDir, `${slug(spec.entry)}-sdk-external`), [
        ...HOUSE_BUNDLING.external,
        '@aws-sdk/*',
      ]));
    built.set(spec.entry, house);
    built.set(`${spec.entry} ext`, external);
    const env = { ...common, ...spec.env };
    const synthesized = spec.logicalId ? cdkOut.get(spec.logicalId) : undefined;
    const fresh = synthesized && synthesized.mtimeMs >= newestSource;
    figures.push({
      name: spec.name,
      bytes: house.bytes,
      mapBytes: house.mapBytes,
      ...(fresh ? { cdkOutBytes: synthesized.bytes } : synthesized ? { cdkOutStale: true } : {}),
      topPackages: house.top,
      init: initTime(house.file, env, runs),
      sdkExternal: { bytes: external.bytes, init: initTime(external.file, env, runs) },
    });
  }
  return figures;
}

/** functions/upload-worker/handler-kms.ts -> upload-worker-kms */
const slug = (entry: string) =>
  entry
    .replace(/^functions\//, '')
    .replace(/\/handler-?/, '-')
    .replace(/-?\.ts$/, '');

async function bundle(entry: string, dir: string, external: readonly string[]) {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'index.mjs');
  const result = await build({
    entryPoints: [resolve(entry)],
    bundle: true,
    outfile,
    ...HOUSE_BUNDLING,
    mainFields: [...HOUSE_BUNDLING.mainFields],
    banner: { js: HOUSE_BUNDLING.banner },
    external: [...external],
    metafile: true,
    logLevel: 'warning',
  });
  const output =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.mjs')) ?? ''];
  const byPackage = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = m?.[1] ?? `${file.split('/').slice(0, 2).join('/')} (ours)`;
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
  }
  return {
    file: outfile,
    bytes: statSync(outfile).size,
    mapBytes: statSync(`${outfile}.map`).size,
    top: [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, bytes]) => ({ name, bytes })),
  };
}

/** Import the bundle in `runs` fresh processes: wall and CPU time of the import (init), ms. */
function initTime(file: string, env: Record<string, string>, runs: number): InitFigures {
  const script = `const c = process.cpuUsage(); const t = performance.now();
const m = await import(${JSON.stringify(pathToFileURL(file).href)});
if (typeof m.handler !== 'function') throw new Error('no handler export');
const u = process.cpuUsage(c);
process.stdout.write(JSON.stringify({ wall: performance.now() - t, cpu: (u.user + u.system) / 1000 }));`;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (child.status !== 0) throw new Error(`importing ${file} failed: ${child.stderr.slice(-800)}`);
    const r = JSON.parse(child.stdout) as { wall: number; cpu: number };
    wall.push(r.wall);
    cpu.push(r.cpu);
  }
  return {
    runs,
    wallMsMin: Math.min(...wall),
    wallMsMedian: quantile(wall, 0.5),
    cpuMsMedian: quantile(cpu, 0.5),
  };
}

/** The newest modification time under these paths (files and directories, recursively), ms. */
function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = statSync(p);
    newest = Math.max(newest, st.mtimeMs);
    if (st.isDirectory()) for (const f of readdirSync(p)) visit(join(p, f));
  };
  for (const p of paths) if (existsSync(p)) visit(resolve(p));
  return newest;
}

/** index.mjs of the function assets a `cdk synth` left in cdk.out, by logical id prefix. */
function cdkOutBundleSizes(): Map<string, { bytes: number; mtimeMs: number }> {
  const sizes = new Map<string, { bytes: number; mtimeMs: number }>();
  const dir = resolve('cdk.out');
  if (!existsSync(dir)) return sizes;
  for (const t of readdirSync(dir).filter((f) => /Stateless.*\.template\.json$/.test(f))) {
    const template = JSON.parse(readFileSync(join(dir, t), 'utf8')) as {
      Resources?: Record<string, { Type?: string; Metadata?: Record<string, string> }>;
    };
    for (const [id, r] of Object.entries(template.Resources ?? {})) {
      const asset = r.Metadata?.['aws:asset:path'];
      if (r.Type !== 'AWS::Lambda::Function' || !asset) continue;
      const file = join(dir, asset, 'index.mjs');
      if (!existsSync(file)) continue;
      const st = statSync(file);
      sizes.set(id.replace(/[A-F0-9]{8}$/, ''), { bytes: st.size, mtimeMs: st.mtimeMs });
    }
  }
  return sizes;
}

import assert from 'node:assert/strict';
import { type DemoResult, runDemo } from '#local/demo.ts';
import { loadSamplePayments } from '#local/demo-data.ts';
import { type LocalStack, startLocalStack } from '#local/local-stack.ts';

/**
 * What `npm start -- --once` does, as a test: the local stack with the signer the environment
 * names, the sample payments, and customs' simulator grabbing the 20 demo orders.
 */
export async function runLocalDemo(
  env: Record<string, string>,
  opts: { grabs?: number } = {},
): Promise<{ result: DemoResult; signer: string }> {
  Object.assign(process.env, env);
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({ port: 0, logLevel: 'SILENT' });
    assert.ok(stack.customs, 'the local stack runs the customs simulator');
    const loaded = await loadSamplePayments();
    const result = await runDemo({
      customs: stack.customs,
      platDataOpenUrl: stack.platDataOpenUrl,
      sessions: loaded.sessions,
      payments: loaded.payments,
      // More grabs than demo orders grab the same orders again, each in a session of its own.
      orderNos: Array.from(
        { length: opts.grabs ?? loaded.orderNos.length },
        (_, i) => loaded.orderNos[i % loaded.orderNos.length] as string,
      ),
      certificatePem: stack.signer.certificatePem,
      timeoutMs: 120_000,
      out: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
    });
    return { result, signer: stack.signer.description };
  } finally {
    await stack?.stop();
  }
}

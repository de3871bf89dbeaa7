import type { Command } from 'commander';
import { fail, operatorFor, resolveTarget } from '#cli/target.ts';
import { isTerminal } from '#core/session.ts';
import { readStackFile, stackFilePath } from '#local/stack-file.ts';

/**
 * `ceb-grab grab <orderNo>`: ask the running local stack's customs simulator to send customs' grab for
 * an order (POST /sim/grabs), as customs would: with a sessionID customs issued, so the upload that
 * follows is accepted. A grab sent by hand (curl) carries a sessionID customs never issued, and customs
 * refuses its upload.
 */
export function registerGrab(program: Command): void {
  program
    .command('grab')
    .description("have the local customs simulator send customs' grab for an order, then wait for its upload")
    .argument('<orderNo>', 'the order customs grabs')
    .option('--no-wait', 'return once the grab is answered, without waiting for the upload')
    .option('--json', 'print JSON')
    .action(async (orderNo: string, opts: { wait: boolean; json?: boolean }) => {
      try {
        const info = readStackFile();
        if (!info) {
          throw new Error(
            `no local stack is running (no live ${stackFilePath()}): start one with \`npm start\``,
          );
        }
        const simulator = new URL(info.customsUrl).origin;
        const res = await fetch(`${simulator}/sim/grabs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ platDataOpenUrl: `${info.apiUrl}/platDataOpen`, orderNo }),
        });
        const grab = (await res.json()) as { sessionID?: string; reply?: unknown; error?: string };
        if (!res.ok || !grab.sessionID) {
          throw new Error(
            `the customs simulator at ${simulator} did not send the grab: ${grab.error ?? res.status}`,
          );
        }
        let state: string | undefined;
        if (opts.wait) {
          const sessions = (await operatorFor(await resolveTarget(['SESSIONS_TABLE']))).sessions();
          const deadline = Date.now() + 60_000;
          for (;;) {
            const s = await sessions.get(grab.sessionID);
            state = s?.state;
            if ((s && isTerminal(s.state)) || Date.now() > deadline) break;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        const result = { orderNo, sessionID: grab.sessionID, reply: grab.reply, ...(state ? { state } : {}) };
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(result, null, 2)}\n`
            : `customs grabbed ${orderNo} as session ${grab.sessionID}: reply ${JSON.stringify(grab.reply)}` +
                `${state ? `; session ${state}` : ''}\n` +
                `details: ceb-grab status ${grab.sessionID}\n`,
        );
        if (state && state !== 'uploaded') process.exitCode = 1;
      } catch (e) {
        fail((e as Error).message);
      }
    });
}

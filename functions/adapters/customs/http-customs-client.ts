import * as http from 'node:http';
import * as https from 'node:https';
import { text } from 'node:stream/consumers';
import { CustomsUnavailableError } from '#core/errors.ts';
import type { CustomsClient, CustomsHttpReply } from '#core/ports.ts';

/**
 * customs' realTimeDataUpload over HTTPS: one form field `payExInfoStr`. node:https with a keep-alive
 * agent rather than fetch: an upload costs about a third of fetch's CPU (fetch's web streams, its
 * Request and Headers objects), and the connection is kept between uploads all the same. The agent
 * has Node's default TLS settings: certificates are always verified. Plain http is for loopback
 * only; every deployed stage's URL is https (lib/stage-config.ts, checked by test/security/tls.test.ts).
 * Redirects are not followed: the payload goes to the configured URL or nowhere.
 */
export class HttpCustomsClient implements CustomsClient {
  private readonly target: URL;
  private readonly send: typeof https.request;
  private readonly agent: http.Agent;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.target = new URL(url);
    const tls = this.target.protocol === 'https:';
    this.send = tls ? https.request : http.request;
    this.agent = tls ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  async upload(payExInfoStr: string): Promise<CustomsHttpReply> {
    const body = new URLSearchParams({ payExInfoStr }).toString();
    // Set once the whole body is handed to the socket: a failure before that (refused, no address,
    // connect timeout, reset while writing) left customs without a complete request to act on.
    let written = false;
    try {
      return await new Promise<CustomsHttpReply>((resolve, reject) => {
        const req = this.send(
          this.target,
          {
            method: 'POST',
            agent: this.agent,
            headers: {
              'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
              'content-length': Buffer.byteLength(body),
            },
            // The whole exchange, reply body included, as fetch's signal did.
            signal: AbortSignal.timeout(this.timeoutMs),
          },
          (res) => {
            text(res).then((replyBody) => resolve({ status: res.statusCode ?? 0, body: replyBody }), reject);
          },
        );
        req.on('error', reject);
        req.on('finish', () => {
          written = true;
        });
        req.end(body);
      });
    } catch (e) {
      const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      throw new CustomsUnavailableError(
        `customs could not be reached at ${this.url}: ${cause}${written ? '' : ' (the request was not sent)'}`,
        { cause: e, mayHaveReachedCustoms: written },
      );
    }
  }
}

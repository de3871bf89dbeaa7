import { CustomsUnavailableError } from '#core/errors.ts';
import type { CustomsClient, CustomsHttpReply } from '#core/ports.ts';

/**
 * customs' realTimeDataUpload over HTTPS: one form field `payExInfoStr`. Node's fetch keeps
 * connections alive between uploads; TLS certificates are always verified.
 */
export class HttpCustomsClient implements CustomsClient {
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async upload(payExInfoStr: string): Promise<CustomsHttpReply> {
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
        body: new URLSearchParams({ payExInfoStr }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      throw new CustomsUnavailableError(`customs could not be reached at ${this.url}: ${cause}`, {
        cause: e,
      });
    }
  }
}

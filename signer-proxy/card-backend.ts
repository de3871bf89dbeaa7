import { type CertificateInfo, normalizeCertNo, parseCertificate } from '#core/crypto/certificate.ts';
import { SignerProxyError, type SigningBackend } from './backend.ts';
import { CardServiceClient } from './card-client.ts';
import {
  CARD_METHODS,
  CARD_STATUS_OK,
  type CardReply,
  type CardReplyArgs,
  certificateAsPem,
  classifyCardFailure,
} from './card-protocol.ts';
import type { ProxyLog } from './log.ts';

export interface CardBackendOptions {
  /** the card service, e.g. ws://127.0.0.1:61232 */
  readonly url: string;
  readonly pin: string;
  readonly keyId: string;
  /** per call to the card; default 10 000 (a card signs in about 250 ms, but may be busy) */
  readonly timeoutMs?: number;
  /** how long a request waits for a reconnection under way; default 1 000 */
  readonly connectWaitMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly log: ProxyLog;
}

/**
 * The E-Port card (IC card or Ukey) through its local websocket service. A wrong PIN is sent once
 * only: after the card refuses it, every signature is refused here until a restart with the right
 * PIN, because cards lock after a few wrong PINs.
 */
export function cardBackend(options: CardBackendOptions): SigningBackend {
  const { url, timeoutMs = 10_000, connectWaitMs, reconnectMinMs, reconnectMaxMs, log } = options;
  const client = new CardServiceClient({
    url,
    timeoutMs,
    log,
    ...(connectWaitMs === undefined ? {} : { connectWaitMs }),
    ...(reconnectMinMs === undefined ? {} : { reconnectMinMs }),
    ...(reconnectMaxMs === undefined ? {} : { reconnectMaxMs }),
  });
  let cert: CertificateInfo | undefined;
  let pinRefused: string | undefined;
  // Nothing the card says is passed on with the PIN in it.
  const hidePin = (text: string) => (options.pin.length >= 4 ? text.split(options.pin).join('<PIN>') : text);

  const failure = (method: string, reply: CardReply): SignerProxyError => {
    const errors = (reply._args?.Error ?? []).map(hidePin);
    const said = errors.length > 0 ? errors.join('; ') : `status ${reply._status ?? '(none)'}`;
    const code = classifyCardFailure(errors);
    if (code === 'BAD_PIN') {
      return new SignerProxyError(
        'BAD_PIN',
        `the card refused the PIN (${said}): it is not tried again, so the card does not lock; ` +
          'set the right PIN (--pin-file or CARD_PIN) and restart the signer',
      );
    }
    return new SignerProxyError('DEVICE_UNAVAILABLE', `the card did not answer ${method}: ${said}`);
  };

  const ask = async (method: string, args: Record<string, unknown>): Promise<CardReplyArgs> => {
    const reply = await client.call(method, args);
    if (reply._status !== CARD_STATUS_OK || reply._args?.Result !== true) throw failure(method, reply);
    return reply._args;
  };

  const readCertificate = async (): Promise<CertificateInfo> => {
    if (cert) return cert;
    const data = (await ask(CARD_METHODS.certificate, {})).Data ?? [];
    if (!data[0]) throw new SignerProxyError('DEVICE_UNAVAILABLE', 'the card service sent no certificate');
    cert = parseCertificate(certificateAsPem(data[0]));
    options.log.info('read the certificate from the card', {
      certNo: cert.certNo,
      algorithm: cert.algorithm,
    });
    return cert;
  };

  return {
    kind: 'card',
    keyId: options.keyId,
    certificate: readCertificate,
    async sign(data) {
      if (pinRefused) throw new SignerProxyError('BAD_PIN', pinRefused);
      let args: CardReplyArgs;
      try {
        args = await ask(CARD_METHODS.sign, { inData: data, passwd: options.pin });
      } catch (e) {
        if (e instanceof SignerProxyError && e.code === 'BAD_PIN') pinRefused = e.message;
        throw e;
      }
      const [signValue, certNo] = args.Data ?? [];
      if (!signValue || !certNo) {
        throw new SignerProxyError('INTERNAL', 'the card service answered without a signValue and a certNo');
      }
      // PEM-style answers may wrap lines; the certNo is the card's own, never padded (docs/protocol.md §4).
      return { signValue: signValue.replace(/\s+/g, ''), certNo: normalizeCertNo(certNo) };
    },
    async health() {
      if (pinRefused) return { reachable: false, problem: pinRefused };
      try {
        await client.connect();
        await readCertificate();
        return { reachable: true };
      } catch (e) {
        return { reachable: false, problem: (e as Error).message };
      }
    },
    close: () => client.close(),
  };
}

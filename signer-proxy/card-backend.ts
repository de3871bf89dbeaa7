import {
  type CertificateInfo,
  normalizeCertNo,
  parseCertificate,
  withCertNo,
} from '#core/crypto/certificate.ts';
import { SignerProxyError, type SigningBackend } from './backend.ts';
import { CardServiceClient } from './card-client.ts';
import {
  CARD_METHODS,
  type CardReply,
  cardSucceeded,
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
 * The E-Port card (IC card or Ukey) through its local websocket service. The PIN is presented
 * again only when the card's last failure is known not to be about it (a reader error): after any
 * failure nobody can classify, every signature is refused here until the signer is restarted
 * (with the right --pin-file), because cards lock after a few wrong PINs (docs/protocol.md §6).
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
  let pinHeld: string | undefined;
  // Nothing the card says is passed on with the PIN in it.
  const hidePin = (text: string) => (options.pin.length >= 4 ? text.split(options.pin).join('<PIN>') : text);

  const failure = (method: string, reply: CardReply, pinPresented: boolean): SignerProxyError => {
    const errors = (reply._args?.Error ?? []).map(hidePin);
    const said =
      errors.length > 0
        ? errors.join('; ')
        : `Result ${String(reply._args?.Result)} without data, status ${reply._status ?? '(none)'}`;
    if (classifyCardFailure(errors) === 'UNCLASSIFIED' && pinPresented) {
      return new SignerProxyError(
        'SUSPECT_PIN',
        `the card did not sign (${said}), which is how a wrong PIN may look: the PIN is not presented again, ` +
          'so the card does not lock; check the PIN, then restart the signer with --pin-file (or CARD_PIN)',
      );
    }
    return new SignerProxyError('DEVICE_UNAVAILABLE', `the card did not answer ${method}: ${said}`);
  };

  const ask = async (
    method: string,
    args: Record<string, unknown>,
    pinPresented = false,
  ): Promise<string[]> => {
    const reply = await client.call(method, args);
    if (!cardSucceeded(reply)) throw failure(method, reply, pinPresented);
    return reply._args?.Data ?? [];
  };

  /** The signing certificate (bare base64 from the card) under the certNo the card reports. */
  const readCertificate = async (): Promise<CertificateInfo> => {
    if (cert) return cert;
    const [base64] = await ask(CARD_METHODS.certificate, {});
    if (!base64) throw new SignerProxyError('DEVICE_UNAVAILABLE', 'the card service sent no certificate');
    const [certNo] = await ask(CARD_METHODS.certNo, {});
    const parsed = parseCertificate(certificateAsPem(base64));
    cert = certNo ? withCertNo(parsed, certNo) : parsed;
    options.log.info('read the certificate from the card', {
      certNo: cert.certNo,
      algorithm: cert.algorithm,
      ...(cert.certNo === parsed.certNo ? {} : { serial: parsed.certNo }),
    });
    return cert;
  };

  return {
    kind: 'card',
    keyId: options.keyId,
    certificate: readCertificate,
    async sign(data) {
      if (pinHeld) throw new SignerProxyError('SUSPECT_PIN', pinHeld);
      let signed: string[];
      try {
        signed = await ask(CARD_METHODS.sign, { inData: data, passwd: options.pin }, true);
      } catch (e) {
        if (e instanceof SignerProxyError && e.code === 'SUSPECT_PIN') {
          pinHeld = e.message;
          options.log.error('the card may have refused the PIN; it is not presented again until a restart', {
            reason: e.message,
          });
        }
        throw e;
      }
      const [signValue, certNo] = signed;
      if (!signValue || !certNo) {
        throw new SignerProxyError('INTERNAL', 'the card service answered without a signValue and a certNo');
      }
      // PEM-style answers may wrap lines; the certNo is the card's own, never padded (docs/protocol.md §4).
      return { signValue: signValue.replace(/\s+/g, ''), certNo: normalizeCertNo(certNo) };
    },
    async health() {
      if (pinHeld) return { reachable: false, problem: pinHeld };
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

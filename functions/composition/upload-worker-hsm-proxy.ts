import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoPinHoldStore } from '#adapters/dynamodb/pin-hold-store.ts';
import { logger, metrics } from '#adapters/observability.ts';
import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { readHsmProxyToken, type TokenFetchers } from '#adapters/signers/hsm-proxy-token-reader.ts';
import { PinGuard } from '#adapters/signers/pin-guard.ts';
import { METRIC } from '#core/metric-names.ts';
import type { UploadWorkerRoot } from '#functions/upload-worker/worker.ts';
import {
  certificateRegistry,
  configOfKind,
  type SigningDeps,
  uploadWorkerRootWith,
} from './upload-worker.ts';

/**
 * An HSM / Ukey signing proxy, its token read from the stores given (Secrets Manager, SSM, or both),
 * behind a PIN guard whose holds the worker's containers share in the certificates table.
 */
export const hsmProxySigning =
  (tokenStores: Partial<TokenFetchers>): SigningDeps =>
  async (config, ddb) => {
    const proxy = configOfKind(config, 'hsm-proxy');
    const pinGuard = new PinGuard({
      signerId: proxy.HSM_PROXY_URL,
      coolDownMs: proxy.HSM_PROXY_PIN_COOLDOWN_MS,
      store: new DynamoPinHoldStore(ddb, proxy.CERTIFICATES_TABLE),
      onHold: (reason) => {
        logger.error('the card may have refused its PIN: it is not presented again for now', { reason });
        metrics.addMetric(METRIC.SignerSuspectPin, MetricUnit.Count, 1);
      },
    });
    return {
      signer: new HsmProxySigner({
        url: proxy.HSM_PROXY_URL,
        protocol: proxy.HSM_PROXY_PROTOCOL,
        token: readHsmProxyToken(proxy, { fetchers: tokenStores }),
        timeoutMs: proxy.HSM_PROXY_TIMEOUT_MS,
        pinGuard,
        ...(proxy.HSM_PROXY_MAX_CONCURRENT === undefined
          ? {}
          : { maxConcurrent: proxy.HSM_PROXY_MAX_CONCURRENT }),
      }),
      certificates: certificateRegistry(ddb, proxy.CERTIFICATES_TABLE),
    };
  };

/**
 * The hsm-proxy worker, its token from the one store its entry imports
 * (upload-worker/handler-hsm-proxy-secret.ts, handler-hsm-proxy-parameter.ts).
 */
export const hsmProxyUploadWorkerRoot = (
  tokenStores: Partial<TokenFetchers>,
  env = process.env,
): UploadWorkerRoot => uploadWorkerRootWith(hsmProxySigning(tokenStores), env);

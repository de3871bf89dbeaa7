import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HsmProxyProtocol } from '#adapters/signers/hsm-proxy-protocol.ts';
import { HsmProxySigner } from '#adapters/signers/hsm-proxy-signer.ts';
import { ConfigError } from '#core/errors.ts';
import { uploadWorkerConfig } from '#functions/config.ts';

const token = async () => 't';

describe('HsmProxySigner configuration', () => {
  it('refuses a URL that is not http(s), an unknown protocol and silly limits at construction', () => {
    const bad: [string, () => unknown][] = [
      ['not a URL', () => new HsmProxySigner({ url: 'proxy:8400', protocol: 'ceb-grab', token })],
      ['ws URL', () => new HsmProxySigner({ url: 'ws://127.0.0.1:8400', protocol: 'ceb-grab', token })],
      [
        'protocol',
        () => new HsmProxySigner({ url: 'http://p', protocol: 'soap' as HsmProxyProtocol, token }),
      ],
      ['tries 0', () => new HsmProxySigner({ url: 'http://p', protocol: 'ceb-grab', token, tries: 0 })],
      [
        'maxConcurrent 0',
        () => new HsmProxySigner({ url: 'http://p', protocol: 'ceb-grab', token, maxConcurrent: 0 }),
      ],
    ];
    for (const [what, make] of bad) assert.throws(make, ConfigError, what);
  });

  it('keeps the base URL without a trailing slash, so paths are joined once', () => {
    const signer = new HsmProxySigner({ url: 'http://10.0.1.5:8400/', protocol: 'ceb-grab', token });
    assert.equal(signer.url, 'http://10.0.1.5:8400');
  });
});

describe('HSM_PROXY_MAX_CONCURRENT with chinaport-data-signature', () => {
  const env = (extra: Record<string, string>) => ({
    SESSIONS_TABLE: 's',
    PAYMENTS_TABLE: 'p',
    CUSTOMS_UPLOAD_URL: 'https://customs.example/upload',
    CERTIFICATES_TABLE: 'c',
    SIGNER_KIND: 'hsm-proxy',
    HSM_PROXY_URL: 'https://proxy.example',
    HSM_PROXY_TOKEN: 't',
    ...extra,
  });

  it('is refused above 1, with the reason; unset it is 1, and our protocol keeps its default of 4', () => {
    assert.throws(
      () =>
        uploadWorkerConfig(
          env({ HSM_PROXY_PROTOCOL: 'chinaport-data-signature', HSM_PROXY_MAX_CONCURRENT: '4' }),
        ),
      (e: Error) => e instanceof ConfigError && /one at a time/.test(e.message),
    );
    const chinaport = uploadWorkerConfig(env({ HSM_PROXY_PROTOCOL: 'chinaport-data-signature' })).signer;
    assert.equal(chinaport.SIGNER_KIND === 'hsm-proxy' && chinaport.HSM_PROXY_MAX_CONCURRENT, undefined);
    assert.doesNotThrow(() => uploadWorkerConfig(env({ HSM_PROXY_MAX_CONCURRENT: '8' })));
  });
});

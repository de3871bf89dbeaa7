import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hsmProxyToken, type TokenFetchers } from '#adapters/signers/hsm-proxy-token.ts';
import { ConfigError, SignerUnavailableError } from '#core/errors.ts';

/** Fake Powertools fetchers that remember what they were asked. */
function fetchers(values: { secret?: unknown; parameter?: unknown; fail?: Error }) {
  const calls: { kind: string; name: string; options: unknown }[] = [];
  const answer = (value: unknown) => (values.fail ? Promise.reject(values.fail) : Promise.resolve(value));
  const f: TokenFetchers = {
    getSecret: (name, options) => {
      calls.push({ kind: 'secret', name, options });
      return answer(values.secret);
    },
    getParameter: (name, options) => {
      calls.push({ kind: 'parameter', name, options });
      return answer(values.parameter);
    },
  };
  return { f, calls };
}

describe("the signing proxy's token", () => {
  it('comes from HSM_PROXY_TOKEN in local development', async () => {
    assert.equal(await hsmProxyToken({ HSM_PROXY_TOKEN: 'dev-token' })(), 'dev-token');
  });

  it('comes from Secrets Manager, cached by Powertools, as text or as {"token": ...}', async () => {
    const plain = fetchers({ secret: 'from-secret\n' });
    const token = hsmProxyToken({ HSM_PROXY_TOKEN_SECRET_ID: 'ceb-grab/proxy' }, { fetchers: plain.f });
    assert.equal(await token(), 'from-secret');
    assert.deepEqual(plain.calls, [{ kind: 'secret', name: 'ceb-grab/proxy', options: { maxAge: 300 } }]);

    const json = fetchers({ secret: '{"token":"inside-json"}' });
    assert.equal(
      await hsmProxyToken({ HSM_PROXY_TOKEN_SECRET_ID: 'x' }, { fetchers: json.f })(),
      'inside-json',
    );
  });

  it('comes from an SSM SecureString, decrypted', async () => {
    const { f, calls } = fetchers({ parameter: 'from-ssm' });
    const token = hsmProxyToken(
      { HSM_PROXY_TOKEN_PARAMETER: '/ceb-grab/token' },
      { fetchers: f, maxAgeSeconds: 60 },
    );
    assert.equal(await token(), 'from-ssm');
    assert.deepEqual(calls[0]?.options, { decrypt: true, maxAge: 60 });
  });

  it('needs exactly one source, and says which to set', () => {
    assert.throws(
      () => hsmProxyToken({}),
      (e: Error) => e instanceof ConfigError && /SECRET_ID/.test(e.message),
    );
    assert.throws(
      () => hsmProxyToken({ HSM_PROXY_TOKEN: 'a', HSM_PROXY_TOKEN_PARAMETER: '/p' }),
      (e: Error) => e instanceof ConfigError && /only one/.test(e.message),
    );
  });

  it('an unreachable store is retryable; an empty secret is a configuration error', async () => {
    const down = fetchers({ fail: new Error('ThrottlingException') });
    await assert.rejects(
      hsmProxyToken({ HSM_PROXY_TOKEN_SECRET_ID: 's' }, { fetchers: down.f })(),
      (e: Error) => e instanceof SignerUnavailableError && /ThrottlingException/.test(e.message),
    );
    const empty = fetchers({ parameter: '  ' });
    await assert.rejects(
      hsmProxyToken({ HSM_PROXY_TOKEN_PARAMETER: '/p' }, { fetchers: empty.f })(),
      ConfigError,
    );
  });
});

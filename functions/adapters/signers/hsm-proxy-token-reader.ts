import { CebGrabError, ConfigError, SignerUnavailableError } from '#core/errors.ts';

/** Where the signing proxy's token comes from; exactly one must be set. */
export interface HsmProxyTokenConfig {
  /** the token itself: local development only, a deployed stack never holds it in its environment */
  readonly HSM_PROXY_TOKEN?: string | undefined;
  /** a Secrets Manager secret: the token as plain text, or JSON `{"token": "..."}` */
  readonly HSM_PROXY_TOKEN_SECRET_ID?: string | undefined;
  /** an SSM Parameter Store SecureString */
  readonly HSM_PROXY_TOKEN_PARAMETER?: string | undefined;
}

/** The Powertools fetchers (hsm-proxy-token-secrets-manager.ts, hsm-proxy-token-ssm.ts), injectable so tests need no AWS. */
export interface TokenFetchers {
  getSecret(name: string, options: { maxAge: number }): Promise<unknown>;
  getParameter(name: string, options: { decrypt: true; maxAge: number }): Promise<unknown>;
}

/** Seconds a fetched token is kept before it is read again (a rotated token is picked up by then). */
export const TOKEN_MAX_AGE_SECONDS = 300;

/**
 * The token provider HsmProxySigner calls on every attempt, reading the token from the store the
 * config names with `fetchers`. A deployed worker is given only its stage's store (each store's SDK
 * client would weigh in its bundle); hsm-proxy-token.ts gives both. Secrets Manager and SSM values
 * are cached by Powertools for `maxAgeSeconds`. The token never appears in a log or an error.
 */
export function readHsmProxyToken(
  config: HsmProxyTokenConfig,
  options: { maxAgeSeconds?: number; fetchers: Partial<TokenFetchers> },
): () => Promise<string> {
  const maxAge = options.maxAgeSeconds ?? TOKEN_MAX_AGE_SECONDS;
  const { fetchers } = options;
  const set = (['HSM_PROXY_TOKEN', 'HSM_PROXY_TOKEN_SECRET_ID', 'HSM_PROXY_TOKEN_PARAMETER'] as const).filter(
    (k) => config[k],
  );
  if (set.length !== 1) {
    throw new ConfigError(
      set.length === 0
        ? 'the signing proxy needs a token: set HSM_PROXY_TOKEN_SECRET_ID or HSM_PROXY_TOKEN_PARAMETER (HSM_PROXY_TOKEN for local development)'
        : `set only one of ${set.join(', ')} for the signing proxy's token`,
    );
  }
  const {
    HSM_PROXY_TOKEN: plain,
    HSM_PROXY_TOKEN_SECRET_ID: secretId,
    HSM_PROXY_TOKEN_PARAMETER: parameter,
  } = config;
  if (plain) return async () => plain;
  if (secretId) {
    const { getSecret } = fetchers;
    if (!getSecret) throw notBuiltFor('HSM_PROXY_TOKEN_SECRET_ID', 'Secrets Manager');
    return () => fetchToken(`secret ${secretId}`, () => getSecret(secretId, { maxAge }), true);
  }
  const name = parameter ?? '';
  const { getParameter } = fetchers;
  if (!getParameter) throw notBuiltFor('HSM_PROXY_TOKEN_PARAMETER', 'SSM');
  return () => fetchToken(`parameter ${name}`, () => getParameter(name, { decrypt: true, maxAge }), false);
}

const notBuiltFor = (variable: string, store: string) =>
  new ConfigError(
    `${variable} is set but this worker was built without the ${store} client: the stack builds the ` +
      'worker for the token source in the stage config, so change the token source there',
  );

async function fetchToken(
  where: string,
  fetch: () => Promise<unknown>,
  jsonAllowed: boolean,
): Promise<string> {
  let value: unknown;
  try {
    value = await fetch();
  } catch (e) {
    if (e instanceof CebGrabError) throw e;
    // Throttling, a network blip or missing permissions: the message says which, and a retry may help.
    throw new SignerUnavailableError(
      `could not read the signing proxy's token from ${where}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const token = jsonAllowed ? unwrapJson(value) : value;
  if (typeof token !== 'string' || token.trim() === '') {
    throw new ConfigError(`${where} holds no signing proxy token (empty or not text)`);
  }
  return token.trim();
}

function unwrapJson(value: unknown): unknown {
  if (typeof value !== 'string' || !value.trimStart().startsWith('{')) return value;
  try {
    const parsed = JSON.parse(value) as { token?: unknown };
    return parsed.token;
  } catch {
    return value;
  }
}

/**
 * Bank accounts (`recpAccount`) are never shown or logged in full: keep the last four characters.
 */
export const maskValue = (account: string): string =>
  account.length <= 4 ? '****' : `${'*'.repeat(Math.min(account.length - 4, 8))}${account.slice(-4)}`;

/** Mask every "recpAccount":"..." in a JSON text (e.g. a payExInfoStr). */
export const maskAccount = (jsonText: string): string =>
  jsonText.replace(
    /("recpAccount"\s*:\s*")((?:[^"\\]|\\.)*)"/g,
    (_, key: string, value: string) => `${key}${maskValue(value)}"`,
  );

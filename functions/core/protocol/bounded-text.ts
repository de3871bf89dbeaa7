/** UTF-8 bytes of a text, as DynamoDB counts an item's size. */
export const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * At most `maxBytes` of `text` as UTF-8, cut at a character boundary, and marked when cut so a reader
 * knows there was more. Text from outside (customs' reply message) is kept this way, never whole.
 */
export function boundedText(text: string, maxBytes: number): string {
  const bytes = utf8Bytes(text);
  if (bytes <= maxBytes) return text;
  const marker = ` …[truncated: ${bytes} bytes]`;
  let kept = '';
  let used = utf8Bytes(marker);
  for (const ch of text) {
    const n = utf8Bytes(ch);
    if (used + n > maxBytes) break;
    kept += ch;
    used += n;
  }
  return kept + marker;
}

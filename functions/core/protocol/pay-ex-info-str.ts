import { type Node, parseTree } from 'jsonc-parser';
import { ValidationError } from '../errors.ts';
import { buildSignSource } from './sign-source.ts';

/**
 * Reading a payExInfoStr the way customs does: the sign source is rebuilt from the RAW text of
 * payExchangeInfoHead and payExchangeInfoLists as they stand in the document (not re-serialized),
 * so `5.0` stays `5.0` and key order stays as sent.
 */
export interface ParsedPayExInfoStr {
  readonly sessionID: string;
  readonly head: unknown;
  readonly lists: unknown;
  readonly headText: string;
  readonly listsText: string;
  readonly serviceTimeText: string;
  readonly certNo: string;
  readonly signValue: string;
  readonly signSource: string;
}

export function parsePayExInfoStr(text: string): ParsedPayExInfoStr {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ValidationError('payExInfoStr is not valid JSON', [
      { path: 'payExInfoStr', rule: 'must be JSON' },
    ]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ValidationError('payExInfoStr must be a JSON object', [
      { path: 'payExInfoStr', rule: 'must be an object' },
    ]);
  }
  const tree = parseTree(text);
  const raw = (key: string): Node | undefined =>
    tree?.children?.find((prop) => prop.children?.[0]?.value === key)?.children?.[1];
  const obj = doc as Record<string, unknown>;

  const missing: string[] = [];
  const str = (key: string): string => {
    const value = obj[key];
    if (typeof value === 'string' && value.length > 0) return value;
    missing.push(key);
    return '';
  };
  const sessionID = str('sessionID');
  const certNo = str('certNo');
  const signValue = str('signValue');
  const headNode = raw('payExchangeInfoHead');
  const listsNode = raw('payExchangeInfoLists');
  if (headNode?.type !== 'object') missing.push('payExchangeInfoHead');
  if (listsNode?.type !== 'array') missing.push('payExchangeInfoLists');
  // serviceTime is signed as its text: the digits of a number as sent, or a numeric string's content.
  const st = obj.serviceTime;
  const stNode = raw('serviceTime');
  const serviceTimeText =
    typeof st === 'number' && stNode
      ? text.substr(stNode.offset, stNode.length)
      : typeof st === 'string' && /^\d+$/.test(st)
        ? st
        : '';
  if (!serviceTimeText) missing.push('serviceTime');
  if (missing.length > 0 || !headNode || !listsNode) {
    const issues = missing.map((path) => ({ path, rule: 'required (object/array/string as the spec says)' }));
    throw new ValidationError(`payExInfoStr is missing or has wrong ${missing.join(', ')}`, issues);
  }
  const headText = text.substr(headNode.offset, headNode.length);
  const listsText = text.substr(listsNode.offset, listsNode.length);
  return {
    sessionID,
    head: obj.payExchangeInfoHead,
    lists: obj.payExchangeInfoLists,
    headText,
    listsText,
    serviceTimeText,
    certNo,
    signValue,
    signSource: buildSignSource({ sessionID, headText, listsText, serviceTimeText }),
  };
}

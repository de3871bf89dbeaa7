import { parseXml, XmlElement, XmlError, XmlText } from '@rgrove/parse-xml';
import { CallbackRejectedError } from './errors.ts';
import { CEB621 } from './inventory-link.ts';
import { RECEIPT_TYPES, type ReceiptType } from './receipt.ts';

/**
 * customs' receipt XML -> the receipt type and its items. Untrusted input: no DOCTYPE (so no entity
 * declarations, external entities or expansion bombs); the parser (@rgrove/parse-xml, a strict,
 * non-validating one) never loads a DTD and decodes only XML's five predefined entities and character
 * references; any other `&name;` stays as written.
 */
export function parseReceiptXml(xml: string): { type: ReceiptType | 'CEB621'; items: unknown } {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new CallbackRejectedError(
      'PARAM_INVALID',
      'XML with a DOCTYPE or entity declarations is not accepted',
    );
  }
  const root = parse(xml);
  const name = localName(root.name);
  if (name === CEB621.message) {
    const value = elementValue(root, 1);
    return { type: 'CEB621', items: typeof value === 'object' ? value[CEB621.item] : undefined };
  }
  for (const [type, { message, item }] of Object.entries(RECEIPT_TYPES) as [
    ReceiptType,
    (typeof RECEIPT_TYPES)[ReceiptType],
  ][]) {
    if (name !== message) continue;
    const value = elementValue(root, 1);
    const items = typeof value === 'object' ? value[item] : undefined;
    return { type, items };
  }
  throw new CallbackRejectedError(
    'PARAM_INVALID',
    `expected a CEB312Message, CEB622Message or CEB621Message, got <${name}>`,
  );
}

function parse(xml: string): XmlElement {
  try {
    const root = parseXml(xml, { ignoreUndefinedEntities: true }).root;
    if (root) return root;
  } catch (e) {
    // The parser descends one call per nesting level: a body of nothing but start tags runs out of stack.
    if (e instanceof RangeError) throw new CallbackRejectedError('PARAM_INVALID', 'XML nested too deeply');
    if (!(e instanceof XmlError)) throw e;
    // The first line: the problem with its line and column (the rest quotes the input).
    throw new CallbackRejectedError('PARAM_INVALID', `not well-formed XML: ${e.message.split('\n')[0]}`);
  }
  throw new CallbackRejectedError('PARAM_INVALID', 'not well-formed XML: no root element');
}

/** Repeated in a message even when there is one: always a list. */
const LIST_ELEMENTS = new Set<string>([...Object.values(RECEIPT_TYPES).map((t) => t.item), CEB621.item]);
/** message > receipt > field: anything deeper is not a receipt field, whatever it holds. */
const MAX_DEPTH = 4;

type XmlValue = string | { [name: string]: XmlValue | XmlValue[] };

/**
 * An element -> its trimmed text if it holds only text, else its child elements by name without the
 * namespace prefix (repeated ones as a list; text beside them as `#text`); attributes ignored.
 * Built with Object.fromEntries, so an element named `__proto__` is just a key.
 */
function elementValue(element: XmlElement, depth: number): XmlValue {
  const children = element.children.filter((c): c is XmlElement => c instanceof XmlElement);
  const text = element.children
    .filter((c): c is XmlText => c instanceof XmlText)
    .map((c) => c.text)
    .join('')
    .trim();
  if (children.length === 0) return text;
  if (depth >= MAX_DEPTH) return {};
  const byName = new Map<string, XmlValue[]>();
  for (const child of children) {
    const name = localName(child.name);
    const values = byName.get(name) ?? [];
    values.push(elementValue(child, depth + 1));
    byName.set(name, values);
  }
  const entries: [string, XmlValue | XmlValue[]][] = [...byName].map(([name, values]) => [
    name,
    values.length === 1 && !LIST_ELEMENTS.has(name) ? (values[0] as XmlValue) : values,
  ]);
  if (text !== '') entries.push(['#text', text]);
  return Object.fromEntries(entries);
}

/** `ceb:OrderReturn` -> `OrderReturn` */
const localName = (name: string) => name.slice(name.indexOf(':') + 1);

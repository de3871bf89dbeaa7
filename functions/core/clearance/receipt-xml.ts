import { decodeXML } from 'entities';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CallbackRejectedError } from './errors.ts';
import { RECEIPT_TYPES, type ReceiptType } from './receipt.ts';

/**
 * customs' receipt XML -> the receipt type and its items. Untrusted input: no DOCTYPE (so no entity
 * declarations, external entities or expansion bombs), entity processing off in the parser, and only
 * XML's five predefined entities and character references decoded, in leaf text.
 */
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Keep every value text: an orderNo of digits must not become a number.
  parseTagValue: false,
  processEntities: false,
  trimValues: true,
  isArray: (name) => name === 'OrderReturn' || name === 'InventoryReturn',
  tagValueProcessor: (_name, value) => decodeXML(value),
});

export function parseReceiptXml(xml: string): { type: ReceiptType; items: unknown } {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new CallbackRejectedError(
      'PARAM_INVALID',
      'XML with a DOCTYPE or entity declarations is not accepted',
    );
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new CallbackRejectedError(
      'PARAM_INVALID',
      `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`,
    );
  }
  const doc = parser.parse(xml) as Record<string, unknown>;
  for (const [type, { message, item }] of Object.entries(RECEIPT_TYPES) as [
    ReceiptType,
    (typeof RECEIPT_TYPES)[ReceiptType],
  ][]) {
    const root = doc[message];
    if (root === undefined) continue;
    const items =
      typeof root === 'object' && root !== null ? (root as Record<string, unknown>)[item] : undefined;
    return { type, items };
  }
  throw new CallbackRejectedError(
    'PARAM_INVALID',
    `expected a CEB312Message or CEB622Message, got <${Object.keys(doc)[0] ?? 'nothing'}>`,
  );
}

import { buildSignSource, type SignSourceParts } from '../protocol/sign-source.ts';

/**
 * Reading a sign source that may have been built the wrong way, and building the wrong ways a
 * signer commonly builds it, so `verify` can tell which bytes were actually signed.
 */

// Lenient on purpose: the spec's sample key, unquoted or escaped JSON, unquoted serviceTime.
const SHAPE =
  /^"sessionID":"(?<sid>.*?)"\|\|"payExchangeInfoHead":(?<head>.*?)\|\|"(?<listsKey>payExchangeInfoLists?)":(?<lists>.*)\|\|"serviceTime":(?<st>"?)(?<ms>\d+)"?$/s;

export interface ReadSignSource {
  readonly parts: SignSourceParts;
  /** How the text differs from the form customs rebuilds; empty when it is that form. */
  readonly shapeProblems: readonly string[];
}

/** The parts of a sign source, or undefined when it is not one at all. */
export function readSignSource(text: string): ReadSignSource | undefined {
  const m = SHAPE.exec(text)?.groups;
  if (!m) return undefined;
  const problems: string[] = [];
  const unwrap = (raw: string, name: string): string => {
    if (!(raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2)) {
      problems.push(
        `the ${name} JSON is not between quotes (the spec's sample writes {data}; customs quotes it)`,
      );
      return raw;
    }
    const inner = raw.slice(1, -1);
    if (/^[{[]\\"/.test(inner)) {
      problems.push(`the ${name} JSON has its inner quotes escaped (\\"); customs pastes the JSON raw`);
      try {
        return JSON.parse(raw) as string;
      } catch {
        return inner;
      }
    }
    return inner;
  };
  const headText = unwrap(m.head ?? '', 'payExchangeInfoHead');
  const listsText = unwrap(m.lists ?? '', 'payExchangeInfoLists');
  if (m.listsKey === 'payExchangeInfoList') {
    problems.push(
      "it names the lists payExchangeInfoList (the spec's sample); customs uses payExchangeInfoLists",
    );
  }
  if (m.st !== '"') problems.push('serviceTime is not quoted; customs quotes it in the sign source');
  return {
    parts: { sessionID: m.sid ?? '', headText, listsText, serviceTimeText: m.ms ?? '' },
    shapeProblems: problems,
  };
}

export interface Variant {
  /** what the signer did wrong, if the signature verifies over this variant */
  readonly explanation: string;
  readonly text: string;
}

const reserialize = (json: string): string | undefined => {
  try {
    return JSON.stringify(JSON.parse(json));
  } catch {
    return undefined;
  }
};

/** Sign sources a signer may have built instead of the right one, each with what it means. */
export function wrongVariants(p: SignSourceParts): Variant[] {
  const right = buildSignSource(p);
  const out: Variant[] = [];
  const head = reserialize(p.headText);
  const lists = reserialize(p.listsText);
  if (head !== undefined && lists !== undefined) {
    out.push({
      explanation:
        'bytes differ: it verifies over the head and lists re-serialized (e.g. 5.0 -> 5, key order, escapes) ' +
        'but not over the raw text sent in payExInfoStr; serialize once and use that very text in both',
      text: buildSignSource({ ...p, headText: head, listsText: lists }),
    });
  }
  const listKey = right.replace('||"payExchangeInfoLists":', '||"payExchangeInfoList":');
  const unquoted = right.replace(/"serviceTime":"(\d+)"$/, '"serviceTime":$1');
  out.push(
    {
      explanation: "bytes differ: it was signed with the key payExchangeInfoList (the spec's wrong sample)",
      text: listKey,
    },
    { explanation: 'bytes differ: it was signed with serviceTime unquoted', text: unquoted },
    {
      explanation:
        "bytes differ: it was signed with payExchangeInfoList and unquoted serviceTime (the spec's wrong sample)",
      text: listKey.replace(/"serviceTime":"(\d+)"$/, '"serviceTime":$1'),
    },
    {
      explanation:
        'bytes differ: it was signed with the JSON inner quotes escaped (\\"); customs pastes the JSON raw',
      text:
        `"sessionID":"${p.sessionID}"||"payExchangeInfoHead":${JSON.stringify(p.headText)}` +
        `||"payExchangeInfoLists":${JSON.stringify(p.listsText)}||"serviceTime":"${p.serviceTimeText}"`,
    },
  );
  return out.filter((v, i) => v.text !== right && out.findIndex((w) => w.text === v.text) === i);
}

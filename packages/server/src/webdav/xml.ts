/**
 * The little XML that WebDAV requests carry (PROPFIND, PROPPATCH, LOCK bodies), parsed with
 * namespaces resolved: every element is known by its namespace URI and local name, never by the
 * prefix a client chose. A DOCTYPE is refused outright, so no entity can expand into anything.
 */
export interface XmlElement {
  ns: string;
  name: string;
  attrs: XmlAttr[];
  children: XmlNode[];
}
export interface XmlAttr {
  ns: string;
  name: string;
  value: string;
}
export type XmlNode = XmlElement | string;

export class XmlError extends Error {}

const NAME =
  /^[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*(?::[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

function decodeText(text: string): string {
  return text.replace(/&([^;&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlError('An "&" that starts no reference');
    const code = /^#x([0-9a-f]+)$/i.exec(ref)?.[1] ?? null;
    const dec = /^#([0-9]+)$/.exec(ref)?.[1] ?? null;
    if (code !== null || dec !== null) {
      const point = code !== null ? parseInt(code, 16) : parseInt(dec!, 10);
      if (point === 0 || point > 0x10ffff) throw new XmlError(`&${ref}; is not a character`);
      return String.fromCodePoint(point);
    }
    const named = ENTITIES[ref];
    if (named === undefined) throw new XmlError(`Unknown entity &${ref};`);
    return named;
  });
}

interface Scope {
  prefixes: Map<string, string>;
}

/** Parses a document into its root element; throws XmlError when it is not well-formed. */
export function parseXml(input: string): XmlElement {
  const text = input.replace(/^\ufeff/, '');
  let at = 0;
  const stack: { el: XmlElement; raw: string; scope: Scope }[] = [];
  let root: XmlElement | undefined;
  const fail = (why: string): never => {
    throw new XmlError(`${why} (at character ${at})`);
  };
  const skipMarkup = (): boolean => {
    for (const [open, close] of [
      ['<?', '?>'],
      ['<!--', '-->'],
    ] as const) {
      if (text.startsWith(open, at)) {
        const end = text.indexOf(close, at + open.length);
        if (end < 0) fail(`${open} without ${close}`);
        at = end + close.length;
        return true;
      }
    }
    return false;
  };

  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const chunk = text.slice(at, lt < 0 ? text.length : lt);
    if (chunk) {
      const top = stack[stack.length - 1];
      if (top) top.el.children.push(decodeText(chunk));
      else if (chunk.trim()) fail('Text outside the root element');
    }
    if (lt < 0) break;
    at = lt;
    if (skipMarkup()) continue;
    if (text.startsWith('<!DOCTYPE', at) || text.startsWith('<!ENTITY', at))
      fail('A DOCTYPE is not accepted');
    if (text.startsWith('<![CDATA[', at)) {
      const end = text.indexOf(']]>', at);
      const top = stack[stack.length - 1];
      if (end < 0 || !top) fail('A CDATA section out of place');
      top!.el.children.push(text.slice(at + 9, end));
      at = end + 3;
      continue;
    }
    if (text.startsWith('</', at)) {
      const end = text.indexOf('>', at);
      if (end < 0) fail('An unclosed end tag');
      const name = text.slice(at + 2, end).trim();
      const open = stack.pop();
      if (!open || open.raw !== name) fail(`</${name}> does not close the open element`);
      at = end + 1;
      if (stack.length === 0) root = open!.el;
      continue;
    }
    if (root) fail('A second root element');
    const tag = parseStartTag(text, at + 1, stack, fail);
    at = tag.at;
    if (tag.selfClosing && stack.length === 0) root = tag.el;
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.raw}> is never closed`);
  if (!root) fail('No root element');
  return root!;
}

function parseStartTag(
  text: string,
  start: number,
  stack: { el: XmlElement; raw: string; scope: Scope }[],
  fail: (why: string) => never,
): { at: number; el: XmlElement; selfClosing: boolean } {
  let at = start;
  const nameMatch = NAME.exec(text.slice(at, at + 512));
  if (!nameMatch) fail('An element without a name');
  const raw = nameMatch![0];
  at += raw.length;
  const rawAttrs: [string, string][] = [];
  for (;;) {
    const ws = /^\s*/.exec(text.slice(at, at + 4096))![0];
    at += ws.length;
    if (text.startsWith('/>', at) || text.startsWith('>', at)) break;
    if (!ws) fail('Attributes must be separated by white space');
    const attr = /^([^\s=/>]+)\s*=\s*("[^"<]*"|'[^'<]*')/.exec(text.slice(at, at + 65536));
    if (!attr || !NAME.test(attr[1]!) || NAME.exec(attr[1]!)![0] !== attr[1]) fail('A malformed attribute');
    if (rawAttrs.some(([n]) => n === attr![1])) fail(`Attribute ${attr![1]} given twice`);
    rawAttrs.push([attr![1]!, decodeText(attr![2]!.slice(1, -1))]);
    at += attr![0].length;
  }
  const parent = stack[stack.length - 1];
  const prefixes = new Map(parent?.scope.prefixes ?? [['xml', XML_NS]]);
  for (const [name, value] of rawAttrs) {
    if (name === 'xmlns') prefixes.set('', value);
    else if (name.startsWith('xmlns:')) {
      // Namespaces 1.0: a prefix cannot be bound to the empty name (litmus checks this one).
      if (value === '') fail(`The prefix ${name.slice(6)} is bound to an empty namespace`);
      prefixes.set(name.slice(6), value);
    }
  }
  const resolve = (qname: string, isAttr: boolean): { ns: string; name: string } => {
    const colon = qname.indexOf(':');
    if (colon < 0) return { ns: isAttr ? '' : (prefixes.get('') ?? ''), name: qname };
    const ns = prefixes.get(qname.slice(0, colon));
    if (ns === undefined) fail(`The prefix of ${qname} is not declared`);
    return { ns: ns!, name: qname.slice(colon + 1) };
  };
  const el: XmlElement = {
    ...resolve(raw, false),
    attrs: rawAttrs
      .filter(([n]) => n !== 'xmlns' && !n.startsWith('xmlns:'))
      .map(([n, value]) => ({ ...resolve(n, true), value })),
    children: [],
  };
  parent?.el.children.push(el);
  if (text.startsWith('/>', at)) return { at: at + 2, el, selfClosing: true };
  stack.push({ el, raw, scope: { prefixes } });
  return { at: at + 1, el, selfClosing: false };
}

/** The element children (text between them is ignored). */
export function elements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string');
}

export function is(el: XmlElement, ns: string, name: string): boolean {
  return el.ns === ns && el.name === name;
}

export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot' }[c]};`);
}

/**
 * Children written back as XML that stands on its own: each element declares its namespace where
 * it differs from its parent's, attributes in a namespace get a prefix of their own.
 */
export function serializeChildren(nodes: XmlNode[], defaultNs = ''): string {
  return nodes
    .map((node) => {
      if (typeof node === 'string') return escapeXml(node);
      const decl = node.ns !== defaultNs ? ` xmlns="${escapeXml(node.ns)}"` : '';
      const attrs = node.attrs
        .map((a, i) =>
          a.ns === ''
            ? ` ${a.name}="${escapeXml(a.value)}"`
            : a.ns === XML_NS
              ? ` xml:${a.name}="${escapeXml(a.value)}"`
              : ` xmlns:a${i}="${escapeXml(a.ns)}" a${i}:${a.name}="${escapeXml(a.value)}"`,
        )
        .join('');
      const inner = serializeChildren(node.children, node.ns);
      return inner
        ? `<${node.name}${decl}${attrs}>${inner}</${node.name}>`
        : `<${node.name}${decl}${attrs}/>`;
    })
    .join('');
}

import { badRequest } from '../lib/app-error.js';

/** One condition of an If header list: a state token or an entity tag, possibly negated. */
export interface IfCondition {
  not: boolean;
  token?: string;
  etag?: string;
}

/** A list of conditions that must all hold, for the request URL or for the resource it is tagged with. */
export interface IfList {
  /** The tagged resource's URL (as sent), or undefined for the request URL. */
  resource?: string;
  conditions: IfCondition[];
}

/**
 * Parses an If header (RFC 4918 §10.4): `(<token> ["etag"])`, `Not`, and tagged lists `<url> (...)`.
 * A header that does not follow the grammar is a 400.
 */
export function parseIf(header: string): IfList[] {
  const lists: IfList[] = [];
  let resource: string | undefined;
  let at = 0;
  const bad = () => badRequest('The If header is malformed');
  const skip = () => {
    while (at < header.length && /\s/.test(header[at]!)) at++;
  };
  const until = (close: string) => {
    const end = header.indexOf(close, at + 1);
    if (end < 0) throw bad();
    const value = header.slice(at + 1, end);
    at = end + 1;
    return value;
  };
  for (skip(); at < header.length; skip()) {
    if (header[at] === '<') {
      resource = until('>');
      continue;
    }
    if (header[at] !== '(') throw bad();
    at++;
    const conditions: IfCondition[] = [];
    for (skip(); header[at] !== ')'; skip()) {
      if (at >= header.length) throw bad();
      let not = false;
      if (header.slice(at, at + 3).toLowerCase() === 'not') {
        not = true;
        at += 3;
        skip();
      }
      if (header[at] === '<') conditions.push({ not, token: until('>') });
      else if (header[at] === '[') conditions.push({ not, etag: until(']') });
      else throw bad();
    }
    at++;
    if (conditions.length === 0) throw bad();
    lists.push({ resource, conditions });
  }
  if (lists.length === 0) throw bad();
  return lists;
}

/** Every state token the header names: the lock tokens the client says it holds. */
export function submittedTokens(lists: readonly IfList[]): Set<string> {
  return new Set(lists.flatMap((l) => l.conditions.flatMap((c) => (c.token && !c.not ? [c.token] : []))));
}

import type { DavLockRow } from '../db/schema.js';
import { davHref } from './dav-path.js';
import { escapeXml } from './xml.js';

export const DAV_NS = 'DAV:';
export const OC_NS = 'http://owncloud.org/ns';
export const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';
/** The multistatus root: DAV: and ownCloud's namespace have prefixes; every other one is declared where used. */
export const MULTISTATUS_OPEN = `${XML_HEAD}<D:multistatus xmlns:D="DAV:" xmlns:oc="${OC_NS}">\n`;
export const MULTISTATUS_CLOSE = '</D:multistatus>\n';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  424: 'Failed Dependency',
};

export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd();
}

/** An element named by namespace and local name, with `inner` (XML) as its content. */
export function propElement(ns: string, name: string, inner = ''): string {
  const [open, close] =
    ns === DAV_NS
      ? [`D:${name}`, `D:${name}`]
      : ns === OC_NS
        ? [`oc:${name}`, `oc:${name}`]
        : ns === ''
          ? [`${name} xmlns=""`, name]
          : [`x:${name} xmlns:x="${escapeXml(ns)}"`, `x:${name}`];
  return inner ? `<${open}>${inner}</${close}>` : `<${open}/>`;
}

/** An error body with a precondition element (RFC 4918 §16), e.g. propfind-finite-depth. */
export function davError(condition: string): string {
  return `${XML_HEAD}<D:error xmlns:D="DAV:"><D:${condition}/></D:error>\n`;
}

export function activeLock(lock: DavLockRow, now: number): string {
  const seconds = Math.max(0, Math.round((lock.expires_at - now) / 1000));
  return (
    '<D:activelock><D:locktype><D:write/></D:locktype>' +
    `<D:lockscope><D:${lock.exclusive ? 'exclusive' : 'shared'}/></D:lockscope>` +
    `<D:depth>${lock.infinite ? 'infinity' : '0'}</D:depth>` +
    (lock.owner_xml !== null ? `<D:owner>${lock.owner_xml}</D:owner>` : '') +
    `<D:timeout>Second-${seconds}</D:timeout>` +
    `<D:locktoken><D:href>${escapeXml(lock.token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${escapeXml(davHref(lock.path ? lock.path.split('/') : [], false))}</D:href></D:lockroot>` +
    '</D:activelock>'
  );
}

export function lockDiscovery(locks: readonly DavLockRow[], now: number): string {
  return locks.map((l) => activeLock(l, now)).join('');
}

export const SUPPORTED_LOCK =
  '<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>' +
  '<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>';

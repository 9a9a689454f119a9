import { nameKey } from '@idrive/shared';
import { AppError, badRequest } from '../lib/app-error.js';

export const DAV_PREFIX = '/dav';

// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A path in a user's drive as a WebDAV URL names it: decoded, NFC, without empty segments. */
export interface DavPath {
  segments: string[];
}

/**
 * The drive path of a request URL under /dav. Segments are split before they are decoded, so an
 * encoded slash cannot make one segment two; `.` and `..` (however encoded), NUL and other control
 * characters are refused with 400 rather than resolved, so no spelling reaches outside the drive.
 */
export function parseDavPath(url: string): DavPath {
  const path = url.split('?', 1)[0]!;
  // A fragment never belongs on the wire; acting on the URL without it could delete the wrong thing.
  if (path.includes('#')) throw badRequest('The URL must not contain a fragment');
  const [first, ...rest] = path
    .split('/')
    .filter(Boolean)
    .map((raw) => {
      let segment: string;
      try {
        segment = decodeURIComponent(raw).normalize('NFC');
      } catch {
        throw badRequest('The path is not valid percent-encoded UTF-8');
      }
      if (segment === '.' || segment === '..') throw badRequest('The path must not contain "." or ".."');
      if (segment.includes('/') || CONTROL.test(segment)) {
        throw badRequest('The path must not contain encoded slashes or control characters');
      }
      return segment;
    });
  if (`/${first}` !== DAV_PREFIX) throw badRequest(`WebDAV paths start with ${DAV_PREFIX}/`);
  return { segments: rest };
}

/**
 * The path a Destination header names: a path, or an absolute URL on this server (another host
 * is a different server we cannot copy to: 502, as RFC 4918 says).
 */
export function parseDestination(header: string | undefined, host: string): DavPath {
  if (!header) throw badRequest('A Destination header is needed');
  if (header.startsWith('/')) return underDav(header);
  let url: URL;
  try {
    url = new URL(header);
  } catch {
    throw badRequest('The Destination header is not a URL');
  }
  // Compared as URLs spell them, so an explicit default port (`host:80`) is the same host.
  if (url.host !== new URL(`http://${host}`).host) {
    throw new AppError(502, 'bad_request', 'The Destination is on another server');
  }
  return underDav(url.pathname);
}

function underDav(pathname: string): DavPath {
  if (pathname !== DAV_PREFIX && !pathname.startsWith(`${DAV_PREFIX}/`)) {
    throw new AppError(502, 'bad_request', `The Destination is not under ${DAV_PREFIX}/`);
  }
  return parseDavPath(pathname);
}

/** The href of a resource: each segment percent-encoded, a collection's ending with `/`. */
export function davHref(segments: readonly string[], collection: boolean): string {
  const tail = segments.map(encodeURIComponent).join('/');
  return `${DAV_PREFIX}/${tail}${collection && tail ? '/' : ''}`;
}

/** The path as locks record it: the same whatever case or normalisation a client spells it in. */
export function pathKey(segments: readonly string[]): string {
  return segments.map(nameKey).join('/');
}

/** Whether a lock at `ancestor` (a pathKey) is at `path` or above it. */
export function coversPath(ancestor: string, path: string): boolean {
  return ancestor === path || ancestor === '' || path.startsWith(`${ancestor}/`);
}

import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './test-app.js';

export function basic(username: string, password: string): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

export type DavRequest = (
  method: string,
  url: string,
  options?: { headers?: Record<string, string>; body?: string | Buffer },
) => Promise<LightMyRequestResponse>;

/** WebDAV requests to an app in-process, signed in as one user. */
export function davClient(t: TestApp, username: string, password = 'user-password-1'): DavRequest {
  return (method, url, options = {}) =>
    t.drive.app.inject({
      method: method as 'GET',
      url,
      headers: { ...basic(username, password), ...options.headers },
      ...(options.body === undefined ? {} : { payload: options.body }),
    });
}

/** The hrefs of a multistatus answer, in order. */
export function hrefs(body: string): string[] {
  return [...body.matchAll(/<D:href>([^<]*)<\/D:href>/g)]
    .map((m) => m[1]!)
    .filter((h) => h.startsWith('/dav'));
}

export const PROPFIND_ALL = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>';

export function propfindOf(...props: string[]): string {
  return `<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:oc="http://owncloud.org/ns"><D:prop>${props.join('')}</D:prop></D:propfind>`;
}

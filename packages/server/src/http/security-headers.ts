import type { FastifyInstance } from 'fastify';

/**
 * The policy for the web app and the API. What the built app needs: its own scripts and styles
 * (Vue's style bindings and CodeMirror's injected theme need inline styles), images and media from
 * the API plus blob:/data: previews, the PDF viewer in a same-origin frame, and the live-updates
 * websocket, which 'self' covers. Nothing may frame the app, so no other site can overlay it.
 */
const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const DEFAULT_HEADERS: Record<string, string> = {
  'content-security-policy': APP_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Share links carry their token in the URL; no page, image or link may send it elsewhere.
  'referrer-policy': 'no-referrer',
};

/**
 * Puts the security headers on every response. They are set on the raw response before any handler
 * runs, so headers a route gives itself win (a file's own sandbox policy in http/content.ts), and
 * responses written directly to the socket (file content) carry them too.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    for (const [name, value] of Object.entries(DEFAULT_HEADERS)) reply.raw.setHeader(name, value);
  });
}

import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../lib/app-error.js';

export interface HostPolicy {
  /** Host names (no port) requests may name; `*` turns the check off. */
  trustedHosts: string[];
  /** The drive's address as users reach it, when one is set. */
  publicUrl: string | undefined;
  /** Where the server listens. */
  listenHost: string;
}

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/** Lower case, without a trailing dot or IPv6 brackets, so that `LOCALHOST.` and `localhost` match. */
function normalise(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
}

/** The host name of a Host header value (`name:port`, `[v6]:port`, or bare). */
function hostnameOf(header: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(header);
  if (bracketed) return normalise(bracketed[1]!);
  const colons = header.split(':').length - 1;
  // More than one colon without brackets is a bare IPv6 address.
  return normalise(colons === 1 ? header.slice(0, header.indexOf(':')) : header);
}

/**
 * The names a request may be addressed to. By default: the listen address, `localhost` and the
 * loopback addresses, and when listening on every interface, the addresses of this machine's
 * interfaces (an address in the Host header cannot be rebound; a name can).
 */
export function allowedHosts(policy: HostPolicy): Set<string> | 'any' {
  const names = policy.trustedHosts.map(normalise);
  if (names.includes('*')) return 'any';
  const allowed = new Set([...names, 'localhost', '127.0.0.1', '::1']);
  if (policy.publicUrl) allowed.add(normalise(new URL(policy.publicUrl).hostname));
  const listen = normalise(policy.listenHost);
  if (WILDCARD_ADDRESSES.has(policy.listenHost)) {
    for (const addresses of Object.values(os.networkInterfaces())) {
      for (const a of addresses ?? []) allowed.add(normalise(a.address));
    }
  } else {
    allowed.add(listen);
  }
  return allowed;
}

/**
 * Refuses a request (websocket upgrades included) whose Host is not one of the drive's own names.
 * A page on another site can point its own DNS name at 127.0.0.1 (DNS rebinding) and then read a
 * drive on the loopback as if it were same-origin; its requests still carry that foreign name.
 */
export function registerTrustedHosts(app: FastifyInstance, policy: HostPolicy): void {
  const allowed = allowedHosts(policy);
  if (allowed === 'any') return;
  app.addHook('onRequest', async (request) => {
    // request.host is X-Forwarded-Host behind a trusted proxy, else the Host header.
    const host = request.host;
    if (host && allowed.has(hostnameOf(host))) return;
    throw new AppError(
      421,
      'untrusted_host',
      `This drive does not answer to the host "${host ?? ''}"; add it to IDRIVE_TRUSTED_HOSTS or set IDRIVE_PUBLIC_URL`,
    );
  });
}

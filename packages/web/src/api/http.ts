import type { ErrorCode, ErrorEnvelope } from '@idrive/shared';

/** Every API path starts here; the app is always served from the same origin as the API. */
export const API_BASE = '/api/v1';

/** Codes the client adds for failures that never produced an API error envelope. */
export type ClientErrorCode = 'network_error' | 'bad_response';

/** The one error type every API call rejects with. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** HTTP status, or 0 when the request never got a response. */
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as JSON unless it is already a body type fetch understands (Blob, FormData, …). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

let csrfToken: string | null = null;
let translateError: ((err: ApiError) => string | null) | null = null;
let onUnauthorized: (() => void) | null = null;

/** Remember the session's CSRF token; every state-changing request sends it as `X-CSRF-Token`. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The CSRF header for a state-changing request made outside `request()` (tus, XHR with progress). */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

/**
 * How `errorMessage` words an API error in the user's language; `null` keeps the server's own
 * (English, and often more specific) message. Set once at start-up, so this module needs no i18n.
 */
export function setErrorTranslator(translate: ((err: ApiError) => string | null) | null): void {
  translateError = translate;
}

/** Called whenever the API answers 401, e.g. to drop back to the sign-in form when a session expires. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

/** Build an absolute-path API URL with a query string, skipping null/undefined values. */
export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  let url = API_BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

function isRawBody(body: unknown): body is BodyInit {
  return (
    typeof body === 'string' ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof ReadableStream
  );
}

function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(
      response.status,
      'bad_response',
      `The server sent an unreadable response (${response.status}).`,
    );
  }
}

/**
 * The ApiError for a failed response, from its status and parsed body; a 401 also ends the session.
 * Exported for requests made outside `request()` (tus, XHR with upload progress).
 */
export function failure(status: number, data: unknown, statusText = ''): ApiError {
  if (status === 401) onUnauthorized?.();
  if (isErrorEnvelope(data)) {
    const { code, message, details } = data.error;
    return new ApiError(status, code, message, details);
  }
  return new ApiError(
    status,
    'bad_response',
    `The server answered ${status}${statusText ? ` ${statusText}` : ''}.`,
  );
}

/** Send one request to the API and return its parsed JSON body; rejects with `ApiError`. */
export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers = new Headers(options.headers);
  headers.set('Accept', 'application/json');
  if (method !== 'GET' && method !== 'HEAD') {
    for (const [name, value] of Object.entries(csrfHeaders())) headers.set(name, value);
  }

  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (isRawBody(options.body)) {
      body = options.body;
    } else {
      body = JSON.stringify(options.body);
      headers.set('Content-Type', 'application/json');
    }
  }

  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(
      0,
      'network_error',
      'Could not reach the server. Check your connection and try again.',
    );
  }

  if (!response.ok) {
    let data: unknown;
    try {
      data = await readJson(response);
    } catch {
      data = undefined;
    }
    throw failure(response.status, data, response.statusText);
  }

  if (response.status === 204 || method === 'HEAD') return undefined as T;
  return (await readJson(response)) as T;
}

export const http = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('PATCH', path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
};

/** A message fit to show the user for anything an API call may throw. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return translateError?.(err) ?? err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

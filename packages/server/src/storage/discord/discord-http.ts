import type { DiscordErrorBody } from './discord-types.js';
import { MultipartBody } from './multipart.js';

export interface DiscordResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body was JSON, else undefined. */
  json: unknown;
}

export interface DiscordRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the API base, e.g. `/webhooks/1/abc?wait=true`. */
  path: string;
  /** `Bot <token>` for bot routes; none for webhook routes (the token is in the path). */
  authorization?: string;
  /** A JSON body, or multipart form data with files (asked for again on every attempt). */
  body?: () => MultipartBody | object;
}

/** Sends one request to Discord's API and returns the answer, whatever its status. */
export interface DiscordTransport {
  send(request: DiscordRequest): Promise<DiscordResponse>;
}

/** One HTTP exchange with Discord's API; no retries or limits here (the scheduler owns those). */
export class DiscordHttp implements DiscordTransport {
  constructor(
    private readonly apiBase: string,
    private readonly timeoutMs: number,
  ) {}

  async send(request: DiscordRequest): Promise<DiscordResponse> {
    const body = request.body?.();
    const url = `${this.apiBase}${request.path}`;
    const headers: Record<string, string> = {
      'user-agent': 'DiscordBot (https://github.com/idrive, 1) I Drive',
    };
    if (request.authorization) headers.authorization = request.authorization;
    if (body instanceof MultipartBody) {
      const res = await body.post(url, request.method, headers, this.timeoutMs);
      return { status: res.status, headers: res.headers, json: parseJson(res.headers, res.text) };
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, {
      method: request.method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: res.status, headers: res.headers, json: parseJson(res.headers, await res.text()) };
  }
}

function parseJson(headers: Headers, text: string): unknown {
  if (!headers.get('content-type')?.includes('application/json') || !text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A request Discord refused for a reason retrying will not fix (a 4xx other than 429). */
export class DiscordRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: DiscordErrorBody | undefined,
    what: string,
  ) {
    super(
      `Discord refused ${what}: ${status}${body?.code ? ` (code ${body.code})` : ''} ${body?.message ?? ''}`.trim(),
    );
  }
}

/** Discord could not take the request in time: every credential busy, broken or rate limited. */
export class DiscordUnavailableError extends Error {
  constructor(
    message: string,
    /** When trying again makes sense, in milliseconds. */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

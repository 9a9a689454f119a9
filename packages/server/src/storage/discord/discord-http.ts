import type { DiscordErrorBody } from './discord-types.js';

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
  /** A JSON body, or multipart form data (rebuilt for every attempt: a sent body is consumed). */
  body?: () => FormData | object;
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
    const headers: Record<string, string> = {
      'user-agent': 'DiscordBot (https://github.com/idrive, 1) I Drive',
    };
    if (request.authorization) headers.authorization = request.authorization;
    if (body !== undefined && !(body instanceof FormData)) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.apiBase}${request.path}`, {
      method: request.method,
      headers,
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let json: unknown;
    if (res.headers.get('content-type')?.includes('application/json') && text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.status, headers: res.headers, json };
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

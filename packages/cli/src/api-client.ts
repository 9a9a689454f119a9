import type { ErrorEnvelope } from '@idrive/shared';
import { CliError, EXIT, exitForStatus } from './exit-codes.js';

type Query = Record<string, string | number | undefined>;

/** The REST API of one drive, authorised by a bearer token (an app password, or a session token). */
export class ApiClient {
  readonly base: string;

  constructor(
    url: string,
    private readonly token: string | null,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** An absolute URL for an API path (`/folders/root`) or one the server gave (`/api/v1/uploads/…`). */
  url(apiPath: string, query: Query = {}): string {
    const full = apiPath.startsWith('/api/') ? apiPath : `/api/v1${apiPath}`;
    const url = new URL(full, this.base + '/');
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'user-agent': 'idrive-cli',
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...extra,
    };
  }

  async json<T>(method: string, apiPath: string, body?: unknown, query?: Query): Promise<T> {
    const res = await this.fetch(apiPath, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      query,
    });
    return (await res.json()) as T;
  }

  get<T>(apiPath: string, query?: Query): Promise<T> {
    return this.json<T>('GET', apiPath, undefined, query);
  }

  /** A request whose answer must be a success (2xx or 206); anything else becomes a CliError. */
  async fetch(apiPath: string, init: RequestInit & { query?: Query | undefined } = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.url(apiPath, init.query), { headers: this.headers(), ...init });
    } catch (err) {
      throw new CliError(EXIT.network, `Cannot reach ${this.base}: ${causeOf(err)}`, 'network');
    }
    if (!res.ok) throw await failure(res);
    return res;
  }
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause?.message;
  return cause ?? (err instanceof Error ? err.message : String(err));
}

/** The API's error envelope as a CliError with the exit status its HTTP status means. */
export async function failure(res: Response): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let envelope: Partial<ErrorEnvelope> = {};
  try {
    envelope = JSON.parse(text) as ErrorEnvelope;
  } catch {
    // Not the API's envelope (a proxy's page, say): the status says enough.
  }
  const message = envelope.error?.message ?? `${res.status} ${res.statusText}`;
  return new CliError(exitForStatus(res.status), message, envelope.error?.code ?? `http_${res.status}`);
}

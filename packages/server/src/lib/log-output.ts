import type { DestinationStream } from 'pino';

/** JSON lines, or lines for a person. */
export type LogFormat = 'json' | 'pretty';

/** The format asked for, else lines for a person on a terminal and JSON for anything that reads the output. */
export function chooseLogFormat(asked: LogFormat | undefined, isTerminal: boolean): LogFormat {
  return asked ?? (isTerminal ? 'pretty' : 'json');
}

/**
 * Where the log goes: undefined for pino's own JSON on stdout, or a stream that prints each record as
 * text. pino-pretty is loaded only then, so a drive logging JSON never holds it in memory.
 */
export async function logDestination(format: LogFormat): Promise<DestinationStream | undefined> {
  if (format === 'json') return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    translateTime: 'SYS:HH:MM:ss.l',
    // The process and host are the same on every line of one terminal.
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    messageFormat: requestLine,
    // In-process and synchronous, so a line is on the terminal before process.exit, with no worker thread.
    sync: true,
  });
}

interface LoggedRequest {
  method?: string;
  url?: string;
}

/** Fastify's request records as one line (`[req-1] request completed GET /x → 200 in 3 ms`), other messages as they are. */
function requestLine(log: Record<string, unknown>, messageKey: string): string {
  const message = String(log[messageKey] ?? '');
  const req = log.req as LoggedRequest | undefined;
  const res = log.res as { statusCode?: number } | undefined;
  let line = typeof log.reqId === 'string' ? `[${log.reqId}] ${message}` : message;
  if (req) line += ` ${req.method ?? ''} ${req.url ?? ''}`;
  if (res?.statusCode !== undefined) line += ` → ${res.statusCode}`;
  if (typeof log.responseTime === 'number') line += ` in ${log.responseTime.toFixed(1)} ms`;
  return line;
}

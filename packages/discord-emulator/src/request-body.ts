import { entityTooLarge, invalidFormBody, invalidJson } from './discord-error.js';

/** One uploaded file part. `data` is a view into the request buffer: the bytes are never copied. */
export interface UploadedFile {
  /** `n` of `files[n]`; parts named otherwise are numbered in order after the highest `n`. */
  index: number;
  fieldName: string;
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

/** A request body in one shape, whether it came as JSON, a form, or multipart. */
export interface ParsedBody {
  payload: Record<string, unknown>;
  files: UploadedFile[];
}

export const EMPTY_BODY: ParsedBody = { payload: {}, files: [] };

/** Parses a JSON body; anything that is not JSON is Discord's 50109. */
export function parseJsonBody(buffer: Buffer): ParsedBody {
  if (buffer.length === 0) return { payload: {}, files: [] };
  let value: unknown;
  try {
    value = JSON.parse(buffer.toString('utf8'));
  } catch {
    throw invalidJson();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidFormBody(undefined, 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
  }
  return { payload: value as Record<string, unknown>, files: [] };
}

export function parseFormBody(buffer: Buffer): ParsedBody {
  const payload: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(buffer.toString('utf8'))) payload[key] = value;
  return { payload, files: [] };
}

const FILE_FIELD = /^files\[(\d+)\]$/;

/**
 * Parses a buffered multipart/form-data body: `files[n]` parts become files, `payload_json` (or plain
 * fields such as `content`) become the payload. The body is already bounded by the request limit, so
 * a streaming parser would buy nothing.
 */
export function parseMultipartBody(buffer: Buffer, contentType: string): ParsedBody {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundaryText = boundary?.[1] ?? boundary?.[2];
  if (!boundaryText) throw invalidFormBody(undefined, 'CONTENT_TYPE_INVALID', 'Invalid multipart boundary');
  const opening = Buffer.from(`--${boundaryText}`);
  const delimiter = Buffer.from(`\r\n--${boundaryText}`);
  const malformed = () => invalidFormBody(undefined, 'MULTIPART_INVALID', 'Malformed multipart body');

  let pos = buffer.indexOf(opening);
  if (pos < 0) throw malformed();
  pos += opening.length;
  const payload: Record<string, unknown> = {};
  const files: UploadedFile[] = [];
  const unnumbered: Omit<UploadedFile, 'index'>[] = [];
  for (;;) {
    if (buffer[pos] === 0x2d && buffer[pos + 1] === 0x2d) break; // closing "--"
    if (buffer[pos] !== 0x0d || buffer[pos + 1] !== 0x0a) throw malformed();
    const headerEnd = buffer.indexOf('\r\n\r\n', pos + 2);
    if (headerEnd < 0) throw malformed();
    const headers = parsePartHeaders(buffer.toString('utf8', pos + 2, headerEnd));
    const dataStart = headerEnd + 4;
    const next = buffer.indexOf(delimiter, dataStart);
    if (next < 0) throw malformed();
    const data = buffer.subarray(dataStart, next);
    pos = next + delimiter.length;

    const disposition = headers.get('content-disposition');
    const name = disposition ? dispositionParam(disposition, 'name') : undefined;
    if (name === undefined) throw malformed();
    const filename = disposition ? dispositionFilename(disposition) : undefined;
    if (filename !== undefined) {
      const file = { fieldName: name, filename, contentType: headers.get('content-type'), data };
      const match = FILE_FIELD.exec(name);
      if (match) files.push({ ...file, index: Number(match[1]) });
      else unnumbered.push(file);
    } else if (name === 'payload_json') {
      let value: unknown;
      try {
        value = JSON.parse(data.toString('utf8'));
      } catch {
        throw invalidJson();
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw invalidFormBody(
          'payload_json',
          'DICT_TYPE_CONVERT',
          'Only dictionaries may be used in a DictType',
        );
      }
      Object.assign(payload, value);
    } else {
      payload[name] = data.toString('utf8');
    }
  }
  let nextIndex = files.reduce((max, f) => Math.max(max, f.index + 1), 0);
  for (const file of unnumbered) files.push({ ...file, index: nextIndex++ });
  return { payload, files };
}

function parsePartHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function dispositionParam(header: string, param: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${param}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i');
  const match = re.exec(header);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!.trim();
}

function dispositionFilename(header: string): string | undefined {
  const extended = dispositionParam(header, 'filename\\*');
  if (extended) {
    const match = /^([\w-]+)'[^']*'(.*)$/.exec(extended);
    if (match) {
      try {
        return decodeURIComponent(match[2]!);
      } catch {
        // fall back to the plain filename
      }
    }
  }
  return dispositionParam(header, 'filename');
}

/**
 * Reads a request body up to `limit` bytes. A bigger body is still drained (so the client sees the
 * answer rather than a broken pipe) but not kept, and ends as 413 / 40005.
 */
export async function readBody(
  stream: AsyncIterable<Buffer | string>,
  limit: number,
  onSize: (bytes: number) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buf.length;
    if (total <= limit) chunks.push(buf);
    else chunks.length = 0;
  }
  onSize(total);
  if (total > limit) throw entityTooLarge();
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

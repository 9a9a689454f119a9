/**
 * A Content-Disposition header for a file name (RFC 6266). Browsers take the UTF-8 name from
 * `filename*` (RFC 5987/8187); `filename` carries an ASCII fallback for old clients, with every
 * non-ASCII character, quote, backslash and control character replaced by `_`.
 *
 * @example contentDisposition('żółw.txt', 'attachment')
 *   // attachment; filename="___w.txt"; filename*=UTF-8''%C5%BC%C3%B3%C5%82w.txt
 */
export function contentDisposition(name: string, type: 'inline' | 'attachment'): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  // encodeURIComponent leaves !'()* alone, but RFC 5987's attr-char does not allow ' ( ) *.
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Limits and defaults that the server, the web app and scripts must agree on. */

/** A name is at most this many bytes of UTF-8 (the limit of common file systems, so zips and syncs work). */
export const NAME_MAX_BYTES = 255;

/** Plaintext bytes per AES-GCM segment. Range reads decrypt whole segments, so this bounds read amplification. */
export const SEGMENT_SIZE = 64 * 1024;

/** Bytes that AES-GCM adds to every segment (the authentication tag). */
export const SEGMENT_TAG_SIZE = 16;

/** Default plaintext bytes per stored chunk: 128 segments, whose ciphertext stays under Discord's 10 MiB. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

/** Largest page a folder listing returns in one response. */
export const LIST_LIMIT_MAX = 10_000;
export const LIST_LIMIT_DEFAULT = 1_000;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

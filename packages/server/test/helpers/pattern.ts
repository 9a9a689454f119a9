import { createCipheriv, createHash } from 'node:crypto';

/**
 * Deterministic pseudo-random bytes with random access: the AES-256-CTR keystream of a seed. Large
 * tests stream gigabytes from it without keeping them, and check any range later by regenerating it.
 */
export class Pattern {
  private readonly key: Buffer;

  constructor(
    seed: string,
    readonly size: number,
  ) {
    this.key = createHash('sha256').update(seed).digest();
  }

  /** Bytes [start, start + length) of the pattern. */
  at(start: number, length: number): Buffer {
    const block = Math.floor(start / 16);
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(block), 8);
    const skip = start - block * 16;
    const cipher = createCipheriv('aes-256-ctr', this.key, iv);
    return cipher.update(Buffer.alloc(skip + length)).subarray(skip);
  }

  /** The bytes from `start` to the end (or `end`), in pieces of `pieceSize`. */
  *pieces(start = 0, end = this.size, pieceSize = 1024 * 1024): Generator<Buffer> {
    for (let offset = start; offset < end; offset += pieceSize) {
      yield this.at(offset, Math.min(pieceSize, end - offset));
    }
  }

  sha256(): string {
    const hash = createHash('sha256');
    for (const piece of this.pieces()) hash.update(piece);
    return hash.digest('hex');
  }
}

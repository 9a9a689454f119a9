import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { SEGMENT_SIZE } from '@idrive/shared';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from './errors.js';
import { canSealInPlace, chunkCount, SegmentCipher, sealedSize, segmentCount } from './segment-cipher.js';

const key = randomBytes(32);
const versionId = randomUUID();

describe('SegmentCipher', () => {
  it('round-trips full, partial and empty segments', () => {
    const cipher = new SegmentCipher(key, versionId);
    for (const size of [0, 1, 1000, SEGMENT_SIZE]) {
      const plain = randomBytes(size);
      const sealed = cipher.seal(7, plain, size === 0);
      expect(sealed.length).toBe(size + 16);
      expect(cipher.open(7, sealed, size === 0).equals(plain)).toBe(true);
    }
  });

  it('follows the documented nonce and AAD layout', () => {
    const plain = randomBytes(100);
    const index = 2 ** 33 + 5;
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(index), 3);
    nonce[11] = 1;
    const reference = createCipheriv('aes-256-gcm', key, nonce);
    reference.setAAD(Buffer.from(versionId.replaceAll('-', ''), 'hex'));
    const expected = Buffer.concat([reference.update(plain), reference.final(), reference.getAuthTag()]);
    expect(new SegmentCipher(key, versionId).seal(index, plain, true)).toEqual(expected);
  });

  it('sealInto and openInto write at an offset', () => {
    const cipher = new SegmentCipher(key, versionId);
    const plain = randomBytes(500);
    const out = Buffer.alloc(600);
    expect(cipher.sealInto(out, 50, 3, plain, false)).toBe(516);
    expect(out.subarray(50, 566)).toEqual(cipher.seal(3, plain, false));
    const back = Buffer.alloc(520);
    expect(cipher.openInto(back, 20, 3, out.subarray(50, 566), false)).toBe(500);
    expect(back.subarray(20)).toEqual(plain);
  });

  it('seals a chunk in place exactly as into a new buffer, for full and short last segments', () => {
    const cipher = new SegmentCipher(key, versionId);
    for (const size of [0, 1, SEGMENT_SIZE, 3 * SEGMENT_SIZE + 777]) {
      const plain = randomBytes(size);
      const shared = Buffer.from(new SharedArrayBuffer(sealedSize(size)));
      plain.copy(shared);
      const inPlace = cipher.sealSegments(40, shared.subarray(0, size), true, true);
      expect(inPlace.buffer).toBe(shared.buffer);
      expect(inPlace.equals(cipher.sealSegments(40, plain, true))).toBe(true);
      expect(cipher.openSegments(40, inPlace, segmentCount(size), true, size).equals(plain)).toBe(true);
    }
  });

  it('seals in place only in shared memory with room for the tags', () => {
    const roomy = Buffer.from(new SharedArrayBuffer(sealedSize(1000)));
    expect(canSealInPlace(roomy.subarray(0, 1000))).toBe(true);
    expect(canSealInPlace(roomy.subarray(0, 1001))).toBe(false);
    // A small ordinary Buffer is a slice of Node's pool: other buffers live right after it.
    expect(canSealInPlace(Buffer.from('abc'))).toBe(false);
    expect(() => new SegmentCipher(key, versionId).sealSegments(0, Buffer.from('abc'), true, true)).toThrow(
      RangeError,
    );
  });

  it('refuses a wrong index, last flag, version, key or any flipped bit', () => {
    const cipher = new SegmentCipher(key, versionId);
    const sealed = cipher.seal(4, randomBytes(300), false);
    expect(() => cipher.open(5, sealed, false)).toThrow(IntegrityError);
    expect(() => cipher.open(4, sealed, true)).toThrow(IntegrityError);
    expect(() => new SegmentCipher(key, randomUUID()).open(4, sealed, false)).toThrow(IntegrityError);
    expect(() => new SegmentCipher(randomBytes(32), versionId).open(4, sealed, false)).toThrow(
      IntegrityError,
    );
    for (const at of [0, 150, 299, 300, 315]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x01;
      expect(() => cipher.open(4, bad, false)).toThrow(IntegrityError);
    }
    expect(() => cipher.open(4, sealed.subarray(0, 10), false)).toThrow(IntegrityError);
  });

  it('names the chunk and segment that failed', () => {
    const cipher = new SegmentCipher(key, versionId);
    const sealed = cipher.seal(17, randomBytes(10), false);
    expect(() => cipher.open(17, sealed, true, 3)).toThrow(
      'Stored data failed its integrity check (chunk 3, segment 17): the file is damaged',
    );
  });

  it('rejects a bad key, version id or segment size', () => {
    expect(() => new SegmentCipher(randomBytes(16), versionId)).toThrow();
    expect(() => new SegmentCipher(key, 'not-a-uuid')).toThrow();
    expect(() => new SegmentCipher(key, versionId).seal(0, Buffer.alloc(SEGMENT_SIZE + 1), true)).toThrow();
    expect(() => new SegmentCipher(key, versionId).seal(-1, Buffer.alloc(1), true)).toThrow();
  });
});

describe('layout math', () => {
  it('counts segments and sealed sizes', () => {
    expect(segmentCount(0)).toBe(1);
    expect(segmentCount(1)).toBe(1);
    expect(segmentCount(SEGMENT_SIZE)).toBe(1);
    expect(segmentCount(SEGMENT_SIZE + 1)).toBe(2);
    expect(sealedSize(0)).toBe(16);
    expect(sealedSize(SEGMENT_SIZE * 3)).toBe(SEGMENT_SIZE * 3 + 48);
    expect(sealedSize(SEGMENT_SIZE * 3 + 1)).toBe(SEGMENT_SIZE * 3 + 1 + 64);
    expect(chunkCount(0, SEGMENT_SIZE)).toBe(1);
    expect(chunkCount(SEGMENT_SIZE, SEGMENT_SIZE)).toBe(1);
    expect(chunkCount(SEGMENT_SIZE + 1, SEGMENT_SIZE)).toBe(2);
  });
});

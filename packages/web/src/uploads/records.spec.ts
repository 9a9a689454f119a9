import { describe, expect, it } from 'vitest';
import { loadRecords, sameFile, saveRecords, tusFingerprint, type UploadRecord } from './records';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
    removeItem: (key: string) => void map.delete(key),
  };
}

const record: UploadRecord = {
  id: 'j1',
  path: 'photos/big.mov',
  destinationId: 'f1',
  destinationName: 'Home',
  size: 100,
  lastModified: 42,
  conflict: 'fail',
};

describe('remembered uploads', () => {
  it('saves and loads records, drops unreadable ones, and removes the key when none are left', () => {
    const storage = memoryStorage();
    saveRecords(storage, 'k', [record]);
    expect(loadRecords(storage, 'k')).toEqual([record]);
    storage.setItem(
      'k',
      JSON.stringify([record, { ...record, size: 'big' }, { ...record, conflict: 'merge' }]),
    );
    expect(loadRecords(storage, 'k')).toEqual([record]);
    storage.setItem('k', '{not json');
    expect(loadRecords(storage, 'k')).toEqual([]);
    saveRecords(storage, 'k', []);
    expect(storage.map.has('k')).toBe(false);
  });

  it('recognises the same file by name, size and modification time', () => {
    expect(sameFile(record, { name: 'big.mov', size: 100, lastModified: 42 })).toBe(true);
    expect(sameFile(record, { name: 'big.mov', size: 101, lastModified: 42 })).toBe(false);
    expect(sameFile(record, { name: 'big.mov', size: 100, lastModified: 43 })).toBe(false);
    expect(sameFile(record, { name: 'other.mov', size: 100, lastModified: 42 })).toBe(false);
  });

  it('keeps tus uploads of one file to two places, or by two users, apart', () => {
    const a = tusFingerprint('u1', record);
    expect(tusFingerprint('u1', { ...record })).toBe(a);
    expect(tusFingerprint('u2', record)).not.toBe(a);
    expect(tusFingerprint('u1', { ...record, destinationId: 'f2' })).not.toBe(a);
    expect(tusFingerprint('u1', { ...record, path: 'big.mov' })).not.toBe(a);
  });
});

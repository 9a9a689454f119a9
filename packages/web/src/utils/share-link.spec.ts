import type { Share } from '@idrive/shared';
import { describe, expect, it } from 'vitest';
import { fromLocalInput, shareStatus, toLocalInput } from './share-link';

const now = Date.parse('2025-06-01T12:00:00Z');
const share: Share = {
  id: '00000000-0000-4000-8000-000000000001',
  token: 'abcdefghijklmnopqrstuv',
  url: '/s/abcdefghijklmnopqrstuv',
  itemId: '00000000-0000-4000-8000-000000000002',
  itemName: 'Holidays',
  itemType: 'folder',
  mode: 'read',
  hasPassword: false,
  expiresAt: null,
  maxDownloads: null,
  downloads: 0,
  revokedAt: null,
  suspended: false,
  createdAt: '2025-05-01T12:00:00.000Z',
};

describe('shareStatus', () => {
  it('is active with no limits', () => {
    expect(shareStatus(share, now)).toBe('active');
  });

  it('is suspended while the owner may not share, unless it was revoked', () => {
    expect(shareStatus({ ...share, suspended: true }, now)).toBe('suspended');
    expect(shareStatus({ ...share, suspended: true, revokedAt: '2025-05-02T00:00:00.000Z' }, now)).toBe(
      'revoked',
    );
  });

  it('is expired once the expiry has passed, not before', () => {
    expect(shareStatus({ ...share, expiresAt: '2025-06-01T11:59:59.000Z' }, now)).toBe('expired');
    expect(shareStatus({ ...share, expiresAt: '2025-06-01T12:00:01.000Z' }, now)).toBe('active');
  });

  it('is used up when the downloads reach the limit', () => {
    expect(shareStatus({ ...share, maxDownloads: 3, downloads: 2 }, now)).toBe('active');
    expect(shareStatus({ ...share, maxDownloads: 3, downloads: 3 }, now)).toBe('used-up');
  });

  it('says revoked before anything else', () => {
    expect(
      shareStatus(
        { ...share, revokedAt: '2025-05-02T00:00:00.000Z', expiresAt: '2025-05-03T00:00:00.000Z' },
        now,
      ),
    ).toBe('revoked');
  });
});

describe('datetime-local conversion', () => {
  it('round-trips a timestamp to the minute', () => {
    const iso = '2025-06-01T12:34:00.000Z';
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
  });

  it('treats blank and garbage as no date', () => {
    expect(toLocalInput(null)).toBe('');
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('not a date')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { formatDate, formatDuration, formatRelative, formatSize } from './format';

describe('formatSize', () => {
  it('shows bytes below 1 KB as whole bytes', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1)).toBe('1 B');
    expect(formatSize(1023)).toBe('1023 B');
  });

  it('uses binary steps with one decimal below 10', () => {
    expect(formatSize(1024)).toBe('1 KB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(10 * 1024 * 1024)).toBe('10 MB');
    expect(formatSize(1.25 * 1024 ** 3)).toBe('1.3 GB');
  });

  it('carries a value that rounds up to 1024 into the next unit', () => {
    expect(formatSize(1024 * 1024 - 1)).toBe('1 MB');
  });

  it('writes the number in the given language', () => {
    expect(formatSize(1536, 'en')).toBe('1.5 KB');
    expect(formatSize(1536, 'pl')).toBe('1,5 KB');
  });

  it('guards against nonsense', () => {
    expect(formatSize(-1)).toBe('—');
    expect(formatSize(Number.NaN)).toBe('—');
  });
});

describe('formatDate', () => {
  it('writes month names in the given language', () => {
    const iso = '2025-03-12T14:05:00';
    expect(formatDate(iso, 'en')).toContain('Mar');
    expect(formatDate(iso, 'pl')).toContain('mar');
    expect(formatDate(iso, 'pl')).not.toContain('Mar');
  });

  it('returns text that is not a date unchanged', () => {
    expect(formatDate('soon', 'en')).toBe('soon');
  });
});

describe('formatDuration', () => {
  it('shows the two largest units, in the locale', () => {
    expect(formatDuration(45, 'en')).toBe('45 sec');
    expect(formatDuration(200, 'en')).toBe('3 min 20 sec');
    expect(formatDuration(180, 'en')).toBe('3 min');
    expect(formatDuration(7500, 'en')).toBe('2 hr 5 min');
    expect(formatDuration(7500, 'pl')).toBe('2 godz. 5 min');
  });

  it('rounds to whole seconds and guards against nonsense', () => {
    expect(formatDuration(0.4, 'en')).toBe('0 sec');
    expect(formatDuration(-1, 'en')).toBe('—');
    expect(formatDuration(Number.POSITIVE_INFINITY, 'en')).toBe('—');
  });
});

describe('formatRelative', () => {
  const now = Date.parse('2025-03-12T14:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  const MINUTE = 60_000;

  it('says how long ago in the largest whole unit', () => {
    expect(formatRelative(ago(20_000), now, 'en')).toBe('now');
    expect(formatRelative(ago(5 * MINUTE), now, 'en')).toBe('5 minutes ago');
    expect(formatRelative(ago(3 * 60 * MINUTE), now, 'en')).toBe('3 hours ago');
    expect(formatRelative(ago(26 * 60 * MINUTE), now, 'en')).toBe('yesterday');
    expect(formatRelative(ago(15 * 24 * 60 * MINUTE), now, 'en')).toBe('2 weeks ago');
    expect(formatRelative(ago(400 * 24 * 60 * MINUTE), now, 'en')).toBe('last year');
  });

  it('writes it in the given language', () => {
    expect(formatRelative(ago(20_000), now, 'pl')).toBe('teraz');
    expect(formatRelative(ago(22 * 24 * 60 * MINUTE), now, 'pl')).toBe('3 tygodnie temu');
  });

  it('leaves a value it cannot read as it is', () => {
    expect(formatRelative('not a date', now, 'en')).toBe('not a date');
  });
});

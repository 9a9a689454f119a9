import { describe, expect, it } from 'vitest';
import { wholeFileSource } from './file-source';

describe('wholeFileSource', () => {
  const file = new File(['0123456789'], 'digits.txt');

  it('hands over the file itself for a request that covers it from the first byte', async () => {
    const { value, done } = await wholeFileSource(file).slice(0, 10);
    expect(value).toBe(file);
    expect(done).toBe(true);
  });

  it('cuts a resumed upload from its offset to the end', async () => {
    const { value, done } = await wholeFileSource(file).slice(4, 10);
    expect(value).not.toBe(file);
    expect(await value.text()).toBe('456789');
    expect(done).toBe(true);
  });

  it('cuts a request that stops before the end, and says more follows', async () => {
    const { value, done } = await wholeFileSource(file).slice(0, 3);
    expect(await value.text()).toBe('012');
    expect(done).toBe(false);
  });
});

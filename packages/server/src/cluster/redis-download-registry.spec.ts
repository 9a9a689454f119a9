import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dropRedisPrefix, testRedisPrefix, testRedisUrl } from '../../test/helpers/test-redis.js';
import { RedisDownloadRegistry } from './redis-download-registry.js';
import { RedisLink } from './redis-link.js';

const url = testRedisUrl();
const quiet = { info: () => undefined, warn: () => undefined };

describe.runIf(url)('RedisDownloadRegistry', () => {
  const prefix = testRedisPrefix();
  // Two instances: two links to one Redis under one prefix.
  let a: RedisLink;
  let b: RedisLink;
  let onA: RedisDownloadRegistry;
  let onB: RedisDownloadRegistry;

  beforeAll(async () => {
    a = await RedisLink.connect(url!, prefix, quiet);
    b = await RedisLink.connect(url!, prefix, quiet);
    onA = await RedisDownloadRegistry.start(a, { ttlMs: 300 });
    onB = await RedisDownloadRegistry.start(b, { ttlMs: 300 });
  });
  afterAll(async () => {
    await onA.close();
    await onB.close();
    await a.close();
    await b.close();
    await dropRedisPrefix(url!, prefix);
  });

  it('ends a response held on one instance from another, and refuses its key from then on', async () => {
    const onCancel = vi.fn();
    const hold = (await onA.hold('u1:d1', onCancel))!;
    expect(hold).not.toBeNull();
    expect(await onB.cancel('u2:d1')).toBe(false);
    expect(await onB.cancel('u1:d1')).toBe(true);
    await vi.waitFor(() => expect(onCancel).toHaveBeenCalledOnce());
    hold.release();
    expect(await onB.cancel('u1:d1')).toBe(false);
    expect(await onA.hold('u1:d1', () => undefined)).toBeNull();
    expect(await onB.hold('u1:d1', () => undefined)).toBeNull();
  });

  it('keeps a record alive while its response runs, and lets it go once released', async () => {
    const onCancel = vi.fn();
    await onA.hold('u1:d2', onCancel);
    // Several lifetimes of the record later, another instance still finds it.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await onB.cancel('u1:d2')).toBe(true);
    await vi.waitFor(() => expect(onCancel).toHaveBeenCalledOnce());

    (await onA.hold('u1:d3', onCancel))!.release();
    expect(await onB.cancel('u1:d3')).toBe(false);
    expect(await onB.hold('u1:d3', () => undefined)).not.toBeNull();
  });

  it('ends a response whose instance missed the cancel, at its next renewal', async () => {
    const onCancel = vi.fn();
    await onA.hold('u1:d4', onCancel);
    // What a cancel leaves behind when its message never reached the sending instance.
    await b.client.set(b.key('download:cancelled:{u1:d4}'), '1', 'PX', 60_000);
    await vi.waitFor(() => expect(onCancel).toHaveBeenCalledOnce(), { timeout: 1000 });
  });
});

import type { DriveEvent, Usage } from '@idrive/shared';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSSRApp } from 'vue';
import { createI18n } from 'vue-i18n';
import { renderToString } from 'vue/server-renderer';
import enUsage from '../locales/en/usage.json';
import plUsage from '../locales/pl/usage.json';
import { useLiveStore, type LiveListener } from '../stores/live';
import { useUsageStore } from '../stores/usage';
import StorageBar from './StorageBar.vue';

const getUsage = vi.hoisted(() => vi.fn<() => Promise<Usage>>());
vi.mock('../api/quotas', () => ({ getUsage }));

const GB = 1024 ** 3;

function usage(
  usedBytes: number,
  quotaBytes: number | null,
  freeBytes = quotaBytes && quotaBytes - usedBytes,
): Usage {
  return {
    usedBytes,
    quotaBytes,
    freeBytes,
    reservedBytes: 0,
    byKind: { files: usedBytes, trash: 0, versions: 0 },
  };
}

describe('StorageBar', () => {
  let pinia: Pinia;

  beforeEach(() => {
    pinia = createPinia();
    setActivePinia(pinia);
    getUsage.mockReset();
  });
  afterEach(() => vi.useRealTimers());

  /** The component rendered as the server renderer writes it, with the usage the store holds. */
  async function render(value: Usage | null, locale = 'en'): Promise<string> {
    useUsageStore().usage = value;
    const app = createSSRApp(StorageBar);
    app.use(pinia);
    app.use(
      createI18n({ legacy: false, locale, messages: { en: { usage: enUsage }, pl: { usage: plUsage } } }),
    );
    // Without the renderer's fragment markers, so a sentence reads as it shows.
    return (await renderToString(app)).replace(/<!--.*?-->/g, '');
  }

  it('says how much of the quota is used over a meter', async () => {
    const html = await render(usage(5 * GB, 10 * GB));
    expect(html).toContain('5 GB of 10 GB used');
    expect(html).toContain('role="meter"');
    expect(html).toContain('aria-valuenow="50"');
    expect(html).toContain('aria-label="Storage"');
    expect(html).toContain('storage-ok');
    expect(html).toContain('scaleX(0.5)');
  });

  it('warns from 90% and says when the storage is full', async () => {
    const warning = await render(usage(9.5 * GB, 10 * GB));
    expect(warning).toContain('storage-warning');
    expect(warning).toContain('aria-valuenow="95"');
    expect(warning).not.toContain('· full');
    // A quota lowered below what is used: full, and the bar ends at its end.
    const over = await render(usage(12 * GB, 10 * GB, 0));
    expect(over).toContain('storage-full');
    expect(over).toContain('12 GB of 10 GB used · full');
    expect(over).toContain('aria-valuenow="100"');
    expect(over).toContain('aria-valuetext="12 GB of 10 GB used, full"');
    expect(over).toContain('scaleX(1)');
    // Uploads in progress hold the rest: full although the bar shows what is stored.
    const held = await render(usage(8 * GB, 10 * GB, 0));
    expect(held).toContain('storage-full');
    expect(held).toContain('aria-valuenow="80"');
  });

  it('shows only what is used when there is no quota, and nothing before the figures arrive', async () => {
    const html = await render(usage(1536, null));
    expect(html).toContain('1.5 KB used');
    expect(html).not.toContain('role="meter"');
    expect(await render(null)).toBe('');
  });

  it('speaks Polish', async () => {
    expect(await render(usage(5 * GB, 10 * GB), 'pl')).toContain('Zajęte: 5 GB z 10 GB');
  });

  it('loads the figures again after the live events that change them, once per burst', async () => {
    vi.useFakeTimers();
    const live = useLiveStore();
    const listeners: LiveListener[] = [];
    vi.spyOn(live, 'subscribe').mockImplementation((listener) => {
      listeners.push(listener);
      return () => undefined;
    });
    await render(usage(1, 10));
    expect(listeners).toHaveLength(1);
    getUsage.mockResolvedValue(usage(2, 10));
    const event = (type: string) => ({ type, id: 1 }) as unknown as DriveEvent;
    listeners[0]!(event('item.starred'));
    listeners[0]!(event('item.moved'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(getUsage).not.toHaveBeenCalled();
    for (const type of ['item.created', 'item.deleted', 'item.versions']) listeners[0]!(event(type));
    await vi.advanceTimersByTimeAsync(1000);
    expect(getUsage).toHaveBeenCalledTimes(1);
    expect(useUsageStore().usage?.usedBytes).toBe(2);
  });
});

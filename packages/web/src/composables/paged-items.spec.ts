import { describe, expect, it } from 'vitest';
import { usePagedItems, type Page } from './paged-items';

interface Entry {
  id: string;
  n: number;
}

const entries = (from: number, to: number): Entry[] =>
  Array.from({ length: to - from }, (_, i) => ({ id: `e${from + i}`, n: from + i }));

/** A server listing `list`, whose answers wait until the test releases them (or fail when told to). */
function server(list: Entry[]) {
  const asked: { offset: number; limit: number; release: () => void; fail: (err: Error) => void }[] = [];
  const fetch = (offset: number, limit: number, signal: AbortSignal): Promise<Page<Entry>> =>
    new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError')));
      asked.push({
        offset,
        limit,
        release: () => resolve({ items: list.slice(offset, offset + limit), total: list.length }),
        fail: reject,
      });
    });
  /** Answers every request so far, and those they lead to, until none waits. */
  async function answerAll(): Promise<void> {
    for (let i = 0; i < asked.length; i++) {
      asked[i]!.release();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  return { asked, fetch, answerAll, list };
}

describe('a list loaded a page at a time', () => {
  it('shows the first page alone, and asks for more only when someone needs it', async () => {
    const { asked, fetch, answerAll } = server(entries(0, 10_000));
    const paged = usePagedItems<Entry>(fetch, { firstPage: 50, pageSize: 200 });
    const loading = paged.load();
    asked[0]!.release();
    await loading;
    expect(paged.items.value).toHaveLength(50);
    expect(paged.total.value).toBe(10_000);
    expect(paged.complete.value).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(asked).toHaveLength(1);

    // The list is about to show entries up to 300: pages come in until those are there, and no more.
    const wanted = paged.ensure(300);
    expect(paged.loading.value).toBe(true);
    // Asked again meanwhile, it does not ask twice.
    void paged.ensure(120);
    await answerAll();
    await wanted;
    expect(asked.map(({ offset, limit }) => [offset, limit])).toEqual([
      [0, 50],
      [50, 200],
      [250, 200],
    ]);
    expect(paged.items.value.map((e) => e.n)).toEqual(entries(0, 450).map((e) => e.n));
    expect(paged.loading.value).toBe(false);
  });

  it('loads everything when asked to, and then asks for nothing more', async () => {
    const { asked, fetch, answerAll } = server(entries(0, 1_000));
    const paged = usePagedItems<Entry>(fetch, { firstPage: 100, pageSize: 400 });
    const loading = paged.load();
    await answerAll();
    await loading;
    const all = paged.loadAll();
    await answerAll();
    await all;
    expect(paged.complete.value).toBe(true);
    expect(paged.items.value).toHaveLength(1_000);
    expect(asked.map((a) => a.offset)).toEqual([0, 100, 500, 900]);
    await paged.ensure(5_000);
    expect(asked).toHaveLength(4);
  });

  it('stops at a page that failed, says why, and goes on from there on retry', async () => {
    const { asked, fetch, answerAll } = server(entries(0, 1_000));
    const paged = usePagedItems<Entry>(fetch, { firstPage: 100, pageSize: 100 });
    const loading = paged.load();
    await answerAll();
    await loading;
    const wanted = paged.ensure(300);
    asked[1]!.fail(new Error('The server went away.'));
    await wanted;
    expect(paged.error.value).toBe('The server went away.');
    expect(paged.items.value).toHaveLength(100);
    // Scrolling on does not hammer the server.
    await paged.ensure(400);
    expect(asked).toHaveLength(2);

    const retried = paged.retry();
    expect(paged.error.value).toBe('');
    await answerAll();
    await retried;
    expect(asked.slice(2).map((a) => a.offset)).toEqual([100, 200, 300]);
    expect(paged.items.value).toHaveLength(400);
  });

  it('starts over on a new load, dropping what the old one still had on its way', async () => {
    const first = server(entries(0, 1_000));
    const paged = usePagedItems<Entry>(first.fetch, { firstPage: 10, pageSize: 10 });
    const loading = paged.load();
    await first.answerAll();
    await loading;
    void paged.ensure(100);

    const second = server(entries(500, 520));
    const reloading = paged.load(second.fetch);
    await first.answerAll();
    second.asked[0]!.release();
    await reloading;
    expect(paged.items.value.map((e) => e.n)).toEqual(entries(500, 510).map((e) => e.n));
    expect(paged.total.value).toBe(20);
    // Later pages come from the new source.
    const rest = paged.ensure(20);
    await second.answerAll();
    await rest;
    expect(paged.items.value.map((e) => e.n)).toEqual(entries(500, 520).map((e) => e.n));

    // A load replaced before its first page arrives rejects as aborted, leaving the list alone.
    const replaced = paged.load();
    const latest = paged.load();
    await expect(replaced).rejects.toMatchObject({ name: 'AbortError' });
    await second.answerAll();
    await latest;
    expect(paged.items.value).toHaveLength(10);
  });

  it('skips entries a later page repeats, and believes a page that brings nothing new', async () => {
    const list = entries(0, 30);
    const { asked, fetch, answerAll } = server(list);
    const paged = usePagedItems<Entry>(fetch, { firstPage: 10, pageSize: 10 });
    const loading = paged.load();
    await answerAll();
    await loading;
    // Something was added at the top elsewhere: the next page starts one entry early.
    list.unshift({ id: 'new', n: -1 });
    const wanted = paged.ensure(20);
    await answerAll();
    await wanted;
    expect(asked.map((a) => a.offset)).toEqual([0, 10, 19]);
    expect(paged.items.value.map((e) => e.n)).toEqual(entries(0, 28).map((e) => e.n));

    // Everything past what is loaded went away: the list ends here.
    list.length = 20;
    const rest = paged.loadAll();
    await answerAll();
    await rest;
    expect(paged.complete.value).toBe(true);
    expect(paged.total.value).toBe(28);
  });

  it('changes and removes loaded entries, counting them out of the total', async () => {
    const { fetch, answerAll } = server(entries(0, 50));
    const paged = usePagedItems<Entry>(fetch, { firstPage: 10 });
    const loading = paged.load();
    await answerAll();
    await loading;
    paged.patch('e3', { n: 300 });
    paged.patch('e40', { n: 4000 });
    expect(paged.items.value[3]).toEqual({ id: 'e3', n: 300 });
    paged.remove(['e1', 'e2', 'e40']);
    expect(paged.items.value.map((e) => e.id).slice(0, 3)).toEqual(['e0', 'e3', 'e4']);
    expect(paged.total.value).toBe(48);
    paged.clear();
    expect([paged.items.value.length, paged.total.value]).toEqual([0, 0]);
  });
});

import type { Usage } from '@idrive/shared';
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { getUsage } from '../api/quotas';

/**
 * The signed-in user's storage as last heard from the server. `refresh` may be called as often as
 * changes happen: calls during one that is under way make one more, not one each.
 */
export const useUsageStore = defineStore('usage', () => {
  const usage = shallowRef<Usage | null>(null);
  /** The last refresh failed; what was known before is kept. */
  const failed = shallowRef(false);
  let running: Promise<void> | null = null;
  let again = false;

  async function load(): Promise<void> {
    do {
      again = false;
      try {
        usage.value = await getUsage();
        failed.value = false;
      } catch {
        failed.value = true;
      }
    } while (again);
  }

  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = load().finally(() => (running = null));
    return running;
  }

  return { usage, failed, refresh };
});

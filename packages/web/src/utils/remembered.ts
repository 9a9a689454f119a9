import { ref, watch, type Ref } from 'vue';

/** The choice kept in this browser's localStorage under `key`; anything not in `allowed` reads as `fallback`. */
export function savedChoice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  const saved = localStorage.getItem(key);
  return (allowed as readonly string[]).includes(saved ?? '') ? (saved as T) : fallback;
}

/** A choice kept in this browser's localStorage under `key` (see `savedChoice`), saved as it changes. */
export function rememberedChoice<T extends string>(key: string, allowed: readonly T[], fallback: T): Ref<T> {
  const choice = ref(savedChoice(key, allowed, fallback)) as Ref<T>;
  watch(choice, (value) => localStorage.setItem(key, value));
  return choice;
}

import { ref, watch, type Ref } from 'vue';

/** A choice kept in this browser's localStorage under `key`; anything not in `allowed` reads as `fallback`. */
export function rememberedChoice<T extends string>(key: string, allowed: readonly T[], fallback: T): Ref<T> {
  const saved = localStorage.getItem(key);
  const choice = ref((allowed as readonly string[]).includes(saved ?? '') ? saved : fallback) as Ref<T>;
  watch(choice, (value) => localStorage.setItem(key, value));
  return choice;
}

import { onScopeDispose, readonly, shallowRef, type Ref } from 'vue';

/** Whether the window matches a CSS media query (`(max-width: 640px)`), kept up to date as it resizes. */
export function useMediaQuery(query: string): Readonly<Ref<boolean>> {
  const list = window.matchMedia(query);
  const matches = shallowRef(list.matches);
  const onChange = (event: MediaQueryListEvent) => (matches.value = event.matches);
  list.addEventListener('change', onChange);
  onScopeDispose(() => list.removeEventListener('change', onChange));
  return readonly(matches);
}

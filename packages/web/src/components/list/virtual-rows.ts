import {
  defaultRangeExtractor,
  useVirtualizer,
  useWindowVirtualizer,
  type Range,
  type ScrollToOptions,
  type VirtualItem,
} from '@tanstack/vue-virtual';
import {
  computed,
  onBeforeUnmount,
  onMounted,
  shallowRef,
  type ComputedRef,
  type Ref,
  type ShallowRef,
} from 'vue';
import { RowSlots } from '../../utils/row-slots';

export interface VirtualRowsOptions {
  /** 'page': the rows scroll with the window; 'self': inside `box`, which has a height of its own. */
  scroll: 'page' | 'self';
  /** The list's box: measured for its width, and the scroller in 'self' mode. */
  box: Readonly<Ref<HTMLElement | null>>;
  /** The element row 0 starts at (below the header). */
  rows: Readonly<Ref<HTMLElement | null>>;
  /** Set to the box's inner width whenever it changes. */
  width: ShallowRef<number>;
  count: ComputedRef<number>;
  /** Fixed: rows are never measured, so nothing is laid out twice while scrolling. */
  rowHeight: ComputedRef<number>;
  /** A row always rendered, wherever the view is: the focused entry's, so focus is never lost. */
  keep: () => number;
}

/** What the list asks of the virtualiser, whichever element scrolls. */
interface RowVirtualizer {
  getVirtualItems(): VirtualItem[];
  getTotalSize(): number;
  scrollToIndex(index: number, options?: ScrollToOptions): void;
}

export interface RenderedRow {
  /** The element slot the row renders in (see RowSlots). */
  key: number;
  index: number;
  /** Offset from the top of the rows element. */
  top: number;
}

/**
 * The rows of a list that are on screen (plus one either side), with the width to lay out tiles in.
 * Rows render in the scroll event, before the frame is painted, so none is ever seen blank: rows
 * beyond the screen would only add work to every frame of a fast scroll.
 */
export function useVirtualRows(options: VirtualRowsOptions) {
  /** Where row 0 is, in the scroller's coordinates. */
  const margin = shallowRef(0);

  const base = computed(() => ({
    count: options.count.value,
    estimateSize: () => options.rowHeight.value,
    overscan: 1,
    scrollMargin: margin.value,
    rangeExtractor: (range: Range) => {
      const rows = defaultRangeExtractor(range);
      const kept = options.keep();
      if (kept >= 0 && kept < range.count && !rows.includes(kept)) {
        rows.push(kept);
        rows.sort((a, b) => a - b);
      }
      return rows;
    },
  }));
  const virtualizer: Readonly<Ref<RowVirtualizer>> =
    options.scroll === 'self'
      ? useVirtualizer<HTMLElement, HTMLElement>(
          computed(() => ({ ...base.value, getScrollElement: () => options.box.value })),
        )
      : useWindowVirtualizer<HTMLElement>(base);

  const slots = new RowSlots();
  const rendered = computed((): RenderedRow[] => {
    const visible = virtualizer.value.getVirtualItems();
    const keys = slots.assign(visible.map((row) => row.index));
    return visible.map((row, i) => ({ key: keys[i]!, index: row.index, top: row.start - margin.value }));
  });
  const totalSize = computed(() => virtualizer.value.getTotalSize());

  function measure(): void {
    const box = options.box.value;
    const rows = options.rows.value;
    if (!box || !rows) return;
    options.width.value = box.clientWidth;
    margin.value =
      options.scroll === 'self' ? rows.offsetTop : rows.getBoundingClientRect().top + window.scrollY;
  }

  let observer: ResizeObserver | null = null;
  onMounted(() => {
    measure();
    observer = new ResizeObserver(measure);
    const box = options.box.value;
    if (box) observer.observe(box);
    // Whatever grows above the list (a notice, a wrapped toolbar) moves it down.
    if (box?.parentElement) observer.observe(box.parentElement);
  });
  onBeforeUnmount(() => observer?.disconnect());

  return {
    rendered,
    totalSize,
    scrollToRow: (index: number) => virtualizer.value.scrollToIndex(index, { align: 'auto' }),
  };
}

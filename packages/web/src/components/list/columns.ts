import type { SortKey } from '@idrive/shared';
import type { ListColumn } from './types';

interface ColumnSpec {
  /** Track in the row's CSS grid. */
  width: string;
  /** The server order the column's header asks for, when the list is sortable. */
  sort?: SortKey;
  /** Left out on a phone's width, where the name needs the room. */
  wide?: boolean;
}

const COLUMNS: Record<ListColumn, ColumnSpec> = {
  location: { width: 'minmax(0, 0.6fr)', wide: true },
  size: { width: '6rem', sort: 'size' },
  modified: { width: '11rem', sort: 'updated', wide: true },
  type: { width: '7rem', sort: 'type', wide: true },
  trashed: { width: '11rem', wide: true },
};

const NAME_WIDTH = 'minmax(0, 1fr)';
const CHECK_WIDTH = '1.5rem';
const ACTIONS_WIDTH = '2.75rem';

export function columnSort(column: ListColumn): SortKey | undefined {
  return COLUMNS[column].sort;
}

export function isWide(column: ListColumn): boolean {
  return COLUMNS[column].wide === true;
}

/**
 * The rows' CSS grid tracks, on a wide screen and on a phone's: a checkbox, the name, the columns,
 * and the actions cell (the ⋮ button, or what the view puts there).
 */
export function gridTracks(
  columns: readonly ListColumn[],
  parts: { check: boolean; actions: boolean },
): { wide: string; narrow: string } {
  const tracks = (narrow: boolean) =>
    [
      parts.check ? CHECK_WIDTH : null,
      NAME_WIDTH,
      ...columns.filter((column) => !narrow || !isWide(column)).map((column) => COLUMNS[column].width),
      parts.actions ? ACTIONS_WIDTH : null,
    ]
      .filter((track) => track !== null)
      .join(' ');
  return { wide: tracks(false), narrow: tracks(true) };
}

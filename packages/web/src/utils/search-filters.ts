import type { SearchQuery } from '@idrive/shared';
import { fileKinds, type FileKind } from '@idrive/shared/file-kind';
import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import type { QueryValue } from '../api/http';

/** The one "what" choice of the search form: folders, any file, or files of one kind. */
export type WhatFilter = 'any' | 'folder' | 'file' | FileKind;
export const WHAT_FILTERS: readonly WhatFilter[] = ['any', 'folder', 'file', ...fileKinds];

export type SearchSort = SearchQuery['sort'];

/** A search as the page's URL holds it (`/search?q=…&what=image&minSize=…`), so it can be bookmarked. */
export interface SearchFilters {
  q: string;
  what: WhatFilter;
  /** Bytes, inclusive. */
  minSize: number | null;
  maxSize: number | null;
  /** `YYYY-MM-DD`, or '' for no bound. */
  modifiedFrom: string;
  modifiedBefore: string;
  tags: string[];
  /** Only inside this folder. */
  in: string | null;
  sort: SearchSort;
  order: 'asc' | 'desc';
}

const SORTS: readonly SearchSort[] = ['name', 'size', 'updated'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One value of the URL's query, whatever shape vue-router gives it. */
type QueryEntry = LocationQuery[string] | undefined;

function one(value: QueryEntry): string {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function bytes(value: QueryEntry): number | null {
  const text = one(value);
  const n = Number(text);
  return text !== '' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}

export function filtersFromQuery(query: LocationQuery): SearchFilters {
  const what = one(query.what) as WhatFilter;
  const sort = one(query.sort) as SearchSort;
  const date = (v: QueryEntry) => (DATE.test(one(v)) ? one(v) : '');
  return {
    q: one(query.q),
    what: WHAT_FILTERS.includes(what) ? what : 'any',
    minSize: bytes(query.minSize),
    maxSize: bytes(query.maxSize),
    modifiedFrom: date(query.modifiedFrom),
    modifiedBefore: date(query.modifiedBefore),
    tags: one(query.tags).split(',').filter(Boolean),
    in: one(query.in) || null,
    sort: SORTS.includes(sort) ? sort : 'name',
    order: one(query.order) === 'desc' ? 'desc' : 'asc',
  };
}

/** The page URL's query: only what differs from "no filter". */
export function filtersToQuery(f: SearchFilters): LocationQueryRaw {
  const query: LocationQueryRaw = {};
  if (f.q.trim()) query.q = f.q.trim();
  if (f.what !== 'any') query.what = f.what;
  if (f.minSize !== null) query.minSize = String(f.minSize);
  if (f.maxSize !== null) query.maxSize = String(f.maxSize);
  if (f.modifiedFrom) query.modifiedFrom = f.modifiedFrom;
  if (f.modifiedBefore) query.modifiedBefore = f.modifiedBefore;
  if (f.tags.length > 0) query.tags = f.tags.join(',');
  if (f.in) query.in = f.in;
  if (f.sort !== 'name') query.sort = f.sort;
  if (f.order !== 'asc') query.order = f.order;
  return query;
}

/** The same search as `GET /search` takes it. */
export function filtersToApi(f: SearchFilters, offset: number, limit: number): Record<string, QueryValue> {
  const type = f.what === 'folder' ? 'folder' : f.what === 'any' ? undefined : 'file';
  const kind = f.what === 'any' || f.what === 'folder' || f.what === 'file' ? undefined : f.what;
  return {
    q: f.q.trim() || undefined,
    type,
    kind,
    minSize: f.minSize ?? undefined,
    maxSize: f.maxSize ?? undefined,
    modifiedFrom: f.modifiedFrom || undefined,
    modifiedBefore: f.modifiedBefore || undefined,
    tags: f.tags.length > 0 ? f.tags.join(',') : undefined,
    in: f.in ?? undefined,
    sort: f.sort,
    order: f.order,
    offset,
    limit,
  };
}

export const SIZE_UNITS = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 } as const;
export type SizeUnit = keyof typeof SIZE_UNITS;

/** A size field (a number of `unit`s, decimals allowed) in bytes: null when blank, NaN when not a size. */
export function sizeFromField(value: string, unit: SizeUnit): number | null {
  const text = value.trim().replace(',', '.');
  if (text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * SIZE_UNITS[unit]) : NaN;
}

/** Bytes as a size field in `unit`, up to two decimals. */
export function sizeToField(bytes: number | null, unit: SizeUnit): string {
  return bytes === null ? '' : String(Math.round((bytes / SIZE_UNITS[unit]) * 100) / 100);
}

/** The largest unit that shows every given size as at least 1 (MB when there is none). */
export function unitFor(...sizes: (number | null)[]): SizeUnit {
  const given = sizes.filter((s): s is number => s !== null && s > 0);
  if (given.length === 0) return 'MB';
  const smallest = Math.min(...given);
  if (smallest >= SIZE_UNITS.GB) return 'GB';
  if (smallest >= SIZE_UNITS.MB) return 'MB';
  return 'KB';
}

import type { SearchResponse } from '@idrive/shared';
import type { SearchFilters } from '../utils/search-filters';
import { filtersToApi } from '../utils/search-filters';
import { http } from './http';

export function search(
  filters: SearchFilters,
  offset: number,
  limit: number,
  signal?: AbortSignal,
): Promise<SearchResponse> {
  return http.get<SearchResponse>('/search', { query: filtersToApi(filters, offset, limit), signal });
}

import { describe, expect, it } from 'vitest';
import { quotaDetails } from './quota-error';

describe('quotaDetails', () => {
  it('reads the sizes of a refusal, and nothing from details of another shape', () => {
    expect(quotaDetails({ requestedBytes: 3, quotaBytes: 10, freeBytes: 2, extra: true })).toEqual({
      requestedBytes: 3,
      quotaBytes: 10,
      freeBytes: 2,
    });
    for (const details of [
      undefined,
      null,
      'x',
      { requestedBytes: 3, quotaBytes: 10 },
      { requestedBytes: '3', quotaBytes: 10, freeBytes: 2 },
    ]) {
      expect(quotaDetails(details)).toBeNull();
    }
  });
});

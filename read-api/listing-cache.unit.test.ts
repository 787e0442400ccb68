import { describe, expect, it } from 'vitest';
import type { LogPosition } from '../infra/event-store/port.ts';
import { ListingCache } from './listing-cache.ts';
import type { CachedListing, EvictionReason } from './listing-cache.ts';

const at = (commit: number, prepare = 0): LogPosition => ({ commit, prepare });
const listing = (id: string, sku = `sku-${id}`): CachedListing => ({
  listingId: id,
  sku,
  body: Buffer.from(`{"listingId":"${id}"}`),
  etag: `"${id}"`,
});
const NOW = 1000;
const claim = (checkpoint: LogPosition, version = 1) => ({ version, checkpoint });

const cacheOf = (maxEntries: number, evictions: [EvictionReason, number][] = []): ListingCache =>
  new ListingCache({
    maxEntries,
    maxValidationAgeMs: 1000,
    onEvict: (reason, count) => evictions.push([reason, count]),
  });

describe('the listing cache', () => {
  it('serves nothing before it is pinned to a version and a position', () => {
    const cache = cacheOf(10);
    expect(cache.admit(listing('a'), { version: 1, position: at(5) })).toBe(false);
    expect(cache.lookup('a', claim(at(5)), NOW)).toBeUndefined();
  });

  it('serves an entry only for a claim it is valid through, of its version', () => {
    const cache = cacheOf(10);
    cache.pin(1, at(5), NOW);
    expect(cache.admit(listing('a'), { version: 1, position: at(6) })).toBe(true);
    expect(cache.lookup('a', claim(at(5)), NOW)?.etag).toBe('"a"');
    // The response would claim a checkpoint the cache has not checked for changes yet.
    expect(cache.lookup('a', claim(at(5, 1)), NOW)).toBeUndefined();
    expect(cache.lookup('a', claim(at(5), 2), NOW)).toBeUndefined();
    expect(cache.lookup('b', claim(at(5)), NOW)).toBeUndefined();
  });

  it('refuses an answer read before the position it is valid through, or of another version', () => {
    const cache = cacheOf(10);
    cache.pin(1, at(5), NOW);
    // Read at 4: a change at 5 may already have been evicted, this answer would bring it back.
    expect(cache.admit(listing('a'), { version: 1, position: at(4, 9) })).toBe(false);
    expect(cache.admit(listing('a'), { version: 2, position: at(6) })).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('evicts the listings, and the listings of the SKUs, the catalog changed, then moves on', () => {
    const evictions: [EvictionReason, number][] = [];
    const cache = cacheOf(10, evictions);
    cache.pin(1, at(5), NOW);
    for (const l of [listing('a'), listing('b', 'shared'), listing('c', 'shared'), listing('d', 'D')]) {
      cache.admit(l, { version: 1, position: at(5) });
    }
    cache.advance(1, at(5), at(7), { listingIds: ['a', 'zz'], skus: ['shared'] }, NOW);
    expect(cache.validThrough).toEqual(at(7));
    expect(['a', 'b', 'c', 'd'].filter((id) => cache.has(id))).toEqual(['d']);
    expect(cache.lookup('d', claim(at(7)), NOW)).toBeDefined();
    expect(evictions).toEqual([['changed', 3]]);
    // An evicted listing leaves no trace under its SKU: a later change of that SKU spares the rest.
    cache.admit(listing('e', 'shared'), { version: 1, position: at(7) });
    cache.advance(1, at(7), at(8), { listingIds: [], skus: ['D'] }, NOW);
    expect(['d', 'e'].filter((id) => cache.has(id))).toEqual(['e']);
    cache.advance(1, at(8), at(9), { listingIds: [], skus: ['shared'] }, NOW);
    expect(cache.size).toBe(0);
  });

  it('ignores changes read for a span that no longer starts where the cache is valid', () => {
    const cache = cacheOf(10);
    cache.pin(1, at(5), NOW);
    cache.admit(listing('a'), { version: 1, position: at(5) });
    cache.advance(1, at(3), at(7), { listingIds: [], skus: [] }, NOW);
    expect(cache.validThrough).toEqual(at(5));
    expect(cache.lookup('a', claim(at(7)), NOW)).toBeUndefined();
  });

  it('empties itself when the catalog switches to another version', () => {
    const cache = cacheOf(10);
    cache.pin(1, at(5), NOW);
    cache.admit(listing('a'), { version: 1, position: at(5) });
    cache.pin(2, at(9), NOW);
    expect(cache.size).toBe(0);
    expect(cache.version).toBe(2);
    expect(cache.validThrough).toEqual(at(9));
  });

  it('stops serving when its last validation is too old', () => {
    const cache = cacheOf(10);
    cache.pin(1, at(5), NOW);
    cache.admit(listing('a'), { version: 1, position: at(5) });
    expect(cache.lookup('a', claim(at(5)), NOW + 1000)).toBeDefined();
    expect(cache.lookup('a', claim(at(5)), NOW + 1001)).toBeUndefined();
    cache.advance(1, at(5), at(5), { listingIds: [], skus: [] }, NOW + 2000);
    expect(cache.lookup('a', claim(at(5)), NOW + 2000)).toBeDefined();
  });

  it('stays within its size, keeping the entries read since the last eviction scan', () => {
    const evictions: [EvictionReason, number][] = [];
    const cache = cacheOf(3, evictions);
    cache.pin(1, at(1), NOW);
    const stamp = { version: 1, position: at(1) };
    for (const id of ['a', 'b', 'c']) cache.admit(listing(id), stamp);
    cache.lookup('a', claim(at(1)), NOW);
    cache.admit(listing('d'), stamp);
    expect(cache.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].filter((id) => cache.has(id))).toEqual(['a', 'c', 'd']);
    for (let i = 0; i < 100; i++) cache.admit(listing(`x${i}`), stamp);
    expect(cache.size).toBe(3);
    expect(evictions.reduce((n, [, count]) => n + count, 0)).toBe(101);
  });

  it('keeps nothing when its size is 0', () => {
    const cache = cacheOf(0);
    cache.pin(1, at(1), NOW);
    expect(cache.admit(listing('a'), { version: 1, position: at(1) })).toBe(false);
  });
});

import { comparePositions } from '../infra/event-store/port.ts';
import type { LogPosition } from '../infra/event-store/port.ts';

/** One listing's 200 answer, serialized once: what a cache hit sends as is. */
export type CachedListing = Readonly<{ listingId: string; sku: string; body: Buffer; etag: string }>;

/**
 * The catalog version and checkpoint an answer was read at. Both come from
 * the same statement as the row, so the row is exactly the read model at
 * that checkpoint (the projection writes rows and checkpoint in one
 * transaction).
 */
export type ReadStamp = Readonly<{ version: number; position: LogPosition }>;

/** What the response will claim (`X-Projection-Position`), and of which version. */
export type Claim = Readonly<{ version: number; checkpoint: LogPosition }>;

/** The rows the catalog changed in a span of the log. */
export type CatalogChanges = Readonly<{ listingIds: readonly string[]; skus: readonly string[] }>;

export type EvictionReason = 'changed' | 'capacity' | 'reset';

export type ListingCacheOptions = Readonly<{
  maxEntries: number;
  /** A hit needs a validation this recent: with the status refresh failing, answers come from Postgres again. */
  maxValidationAgeMs: number;
  onEvict?: (reason: EvictionReason, count: number) => void;
}>;

/** An entry and whether it was read since the eviction scan last passed it (a CLOCK bit). */
type Slot = { readonly entry: CachedListing; used: boolean };

/**
 * A bounded map of listing answers (CLOCK, an approximation of least recently
 * used: a hit sets a bit instead of moving its entry, a write per hit cheaper
 * than re-inserting into a map of 100,000 keys), valid up to one
 * position of the log, `validThrough`: every entry is the listing as of
 * `validThrough` or later, because whatever the catalog changed up to there
 * has been evicted (`advance`). An entry serves a request only when the
 * checkpoint the response claims is not past `validThrough`, so a cached
 * answer is never older than what it claims.
 *
 * Admission closes the race with eviction: an answer read at a checkpoint
 * before `validThrough` may miss a change already evicted, so it is not kept.
 * A rebuild that switches the catalog to another version empties the cache:
 * the new version's rows may differ for the same log.
 */
export class ListingCache {
  readonly #maxEntries: number;
  readonly #maxValidationAgeMs: number;
  readonly #onEvict: (reason: EvictionReason, count: number) => void;
  /** Map order is the scan order of eviction: the oldest first, entries read since moved to the end. */
  readonly #entries = new Map<string, Slot>();
  /**
   * Stock rows are keyed by SKU: which cached listings show each SKU. Nearly
   * every SKU has one listing, so a lone id is kept as is, not in a set.
   */
  readonly #bySku = new Map<string, string | Set<string>>();
  #version: number | null = null;
  #validThrough: LogPosition | null = null;
  #validatedAt = Number.NEGATIVE_INFINITY;

  constructor(options: ListingCacheOptions) {
    this.#maxEntries = options.maxEntries;
    this.#maxValidationAgeMs = options.maxValidationAgeMs;
    this.#onEvict = options.onEvict ?? (() => undefined);
  }

  get size(): number {
    return this.#entries.size;
  }

  get maxEntries(): number {
    return this.#maxEntries;
  }

  get full(): boolean {
    return this.#entries.size >= this.#maxEntries;
  }

  get version(): number | null {
    return this.#version;
  }

  get validThrough(): LogPosition | null {
    return this.#validThrough;
  }

  has(listingId: string): boolean {
    return this.#entries.has(listingId);
  }

  /** The entry, when it is at least as new as `claim` says; else undefined (read Postgres). */
  lookup(listingId: string, claim: Claim, now: number): CachedListing | undefined {
    if (
      claim.version !== this.#version ||
      this.#validThrough === null ||
      now - this.#validatedAt > this.#maxValidationAgeMs ||
      comparePositions(claim.checkpoint, this.#validThrough) > 0
    ) {
      return undefined;
    }
    const slot = this.#entries.get(listingId);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.entry;
  }

  /**
   * Keeps an answer read at `stamp`, unless it may miss a change the cache has
   * already evicted (read before `validThrough`) or is of another version.
   */
  admit(entry: CachedListing, stamp: ReadStamp): boolean {
    if (
      this.#maxEntries === 0 ||
      stamp.version !== this.#version ||
      this.#validThrough === null ||
      comparePositions(stamp.position, this.#validThrough) < 0
    ) {
      return false;
    }
    this.#remove(entry.listingId);
    this.#entries.set(entry.listingId, { entry, used: false });
    const listings = this.#bySku.get(entry.sku);
    if (listings === undefined) this.#bySku.set(entry.sku, entry.listingId);
    else if (typeof listings === 'string') this.#bySku.set(entry.sku, new Set([listings, entry.listingId]));
    else listings.add(entry.listingId);
    if (this.#entries.size > this.#maxEntries) this.#evictOne();
    return true;
  }

  /**
   * Pins the cache to the catalog `version` the views show: a new version
   * empties it and makes it valid from `position` on (nothing in it can be
   * stale). The same version changes nothing once the cache is valid.
   */
  pin(version: number, position: LogPosition, now: number): void {
    if (version === this.#version && this.#validThrough !== null) return;
    if (version !== this.#version) this.clear();
    this.#version = version;
    this.#validThrough = position;
    this.#validatedAt = now;
  }

  /**
   * Evicts what the catalog changed in (`from`, `through`], then is valid
   * through `through`. `from` is where the cache was valid when the changes
   * were read: if it has moved since (a reset, a rebuild's switch), the
   * changes are not the ones it needs and nothing happens; the next refresh
   * reads the right span.
   */
  advance(
    version: number,
    from: LogPosition,
    through: LogPosition,
    changes: CatalogChanges,
    now: number,
  ): void {
    if (
      version !== this.#version ||
      this.#validThrough === null ||
      comparePositions(from, this.#validThrough) !== 0
    ) {
      return;
    }
    if (comparePositions(through, from) > 0) {
      let evicted = 0;
      for (const id of changes.listingIds) if (this.#remove(id)) evicted += 1;
      for (const sku of changes.skus) {
        const listings = this.#bySku.get(sku);
        const ids = listings === undefined ? [] : typeof listings === 'string' ? [listings] : [...listings];
        for (const id of ids) if (this.#remove(id)) evicted += 1;
      }
      if (evicted > 0) this.#onEvict('changed', evicted);
      this.#validThrough = through;
    }
    this.#validatedAt = now;
  }

  /** Empties it and forgets its version: nothing is served or admitted until the next `pin`. */
  clear(): void {
    const count = this.#entries.size;
    this.#entries.clear();
    this.#bySku.clear();
    this.#version = null;
    this.#validThrough = null;
    if (count > 0) this.#onEvict('reset', count);
  }

  /** The first entry in scan order not read since the scan last passed it; read ones get a second chance. */
  #evictOne(): void {
    for (const [listingId, slot] of this.#entries) {
      if (slot.used) {
        slot.used = false;
        this.#entries.delete(listingId);
        this.#entries.set(listingId, slot);
        continue;
      }
      this.#remove(listingId);
      this.#onEvict('capacity', 1);
      return;
    }
  }

  #remove(listingId: string): boolean {
    const slot = this.#entries.get(listingId);
    if (slot === undefined) return false;
    this.#entries.delete(listingId);
    const sku = slot.entry.sku;
    const listings = this.#bySku.get(sku);
    if (typeof listings === 'string') {
      if (listings === listingId) this.#bySku.delete(sku);
    } else if (listings !== undefined) {
      listings.delete(listingId);
      if (listings.size === 0) this.#bySku.delete(sku);
    }
    return true;
  }
}

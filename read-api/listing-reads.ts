import type pg from 'pg';
import type { Logger } from 'pino';
import { comparePositions } from '../infra/event-store/port.ts';
import type { LogPosition } from '../infra/event-store/port.ts';
import { toSafeInteger } from '../infra/postgres/database.ts';
import type { Listing } from '../projections/read-models/schema.ts';
import { etagOf } from './caching.ts';
import type { ProjectionStatus, ProjectionStatusCache } from './freshness.ts';
import { ListingCache } from './listing-cache.ts';
import type { CachedListing, CatalogChanges, Claim, ReadStamp } from './listing-cache.ts';
import { catalogChangeReader } from './listing-changes.ts';
import { listingCacheEvictions, listingCacheLookups, trackListingCacheSize } from './metrics.ts';
import { PROJECTIONS, prepared } from './reading.ts';

export type ListingReaderOptions = Readonly<{
  /** The API's read pool (its statement timeout applies). */
  pool: pg.Pool;
  readModelSchema: string;
  eventStoreSchema: string;
  status: ProjectionStatusCache;
  /** 0 turns the cache off: every answer is read from Postgres (still batched). */
  maxEntries: number;
  /** The status refresh period: validations older than a few of them stop hits. */
  refreshMs: number;
  /** The 200 body of one listing, exactly as the route's response schema serializes it. */
  render: (row: Listing) => string;
  logger: Logger;
}>;

/** A listing row with the catalog's version and checkpoint, read by the same statement. */
type StampedRow = Listing & {
  catalog_version: number | null;
  checkpoint_commit: string | null;
  checkpoint_prepare: string | null;
};

type WarmRow = StampedRow & { created_key: string };

const CATALOG = PROJECTIONS.catalog;
/** Stops hits after this many refresh periods without a successful validation. */
const VALIDATION_PERIODS = 4;
/** More catalog events than this between two refreshes: emptying the cache is cheaper. */
const MAX_CHANGES_PER_REFRESH = 10_000;
const WARM_PAGE = 1000;
const FAILURE_LOG_INTERVAL_MS = 10_000;
const NO_CHANGES: CatalogChanges = { listingIds: [], skus: [] };

/** The view's columns by name, not `*`, so a view change that adds a column cannot break a cached plan. */
const COLUMNS = `l.listing_id, l.seller_id, l.sku, l.title, l.price_minor, l.currency, l.currency_exponent,
  l.status, l.on_hand, l.reserved, l.available, l.created_at, l.published_at, l.updated_at, l.revision,
  st.version as catalog_version, st.checkpoint_commit, st.checkpoint_prepare`;

const stampOf = (row: StampedRow): ReadStamp | null =>
  row.catalog_version === null || row.checkpoint_commit === null || row.checkpoint_prepare === null
    ? null
    : {
        version: row.catalog_version,
        position: {
          commit: toSafeInteger(row.checkpoint_commit, 'checkpoint'),
          prepare: toSafeInteger(row.checkpoint_prepare, 'checkpoint'),
        },
      };

/**
 * `GET /listings/:id` without Postgres most of the time: answers come from a
 * `ListingCache` kept exact by the projection status refresh (each refresh
 * that sees the catalog's checkpoint move evicts the listings the catalog
 * changed in between, read from the event log), warmed at start, and misses
 * of the same moment are read together, one `listing_id = any($1)` per turn
 * of the event loop.
 */
export class ListingReader {
  readonly #cache: ListingCache;
  readonly #status: ProjectionStatusCache;
  readonly #render: (row: Listing) => string;
  readonly #logger: Logger;
  readonly #byIds: (values: readonly unknown[]) => Promise<StampedRow[]>;
  readonly #activeNewest: (values: readonly unknown[]) => Promise<WarmRow[]>;
  readonly #othersById: (values: readonly unknown[]) => Promise<StampedRow[]>;
  readonly #changes: (after: LogPosition, upTo: LogPosition) => Promise<CatalogChanges | null>;
  readonly #hit = listingCacheLookups.labels('hit');
  readonly #miss = listingCacheLookups.labels('miss');
  #batch = new Map<string, PromiseWithResolvers<CachedListing | null>>();
  #syncing = false;
  #stopped = false;
  #untrack: () => void = () => undefined;
  #unsubscribe: () => void = () => undefined;
  #lastFailureLogged = 0;

  constructor(options: ListingReaderOptions) {
    this.#cache = new ListingCache({
      maxEntries: options.maxEntries,
      maxValidationAgeMs: VALIDATION_PERIODS * options.refreshMs,
      onEvict: (reason, count) => {
        listingCacheEvictions.labels(reason).inc(count);
      },
    });
    this.#status = options.status;
    this.#render = options.render;
    this.#logger = options.logger;
    const rm = `"${options.readModelSchema.replaceAll('"', '""')}"`;
    const from = `from ${rm}.listings l
      left join ${rm}.projection_status st on st.name = '${CATALOG}' and st.active`;
    this.#byIds = prepared(options.pool, `select ${COLUMNS} ${from} where l.listing_id = any($1::text[])`);
    // Warm-up: the active listings newest first (the status/created index), then the others.
    this.#activeNewest = prepared(
      options.pool,
      `select ${COLUMNS}, l.created_at::text as created_key ${from}
        where l.status = 'active' and (l.created_at, l.listing_id) < ($1::timestamptz, $2::text)
        order by l.created_at desc, l.listing_id desc limit $3`,
    );
    this.#othersById = prepared(
      options.pool,
      `select ${COLUMNS} ${from} where l.status <> 'active' and l.listing_id > $1::text
        order by l.listing_id limit $2`,
    );
    this.#changes = catalogChangeReader(options.pool, options.eventStoreSchema, MAX_CHANGES_PER_REFRESH);
  }

  /** How many listings the cache holds now. */
  get cachedEntries(): number {
    return this.#cache.size;
  }

  /** Keeps the cache exact on every status refresh, until `stop`. */
  start(): void {
    if (this.#cache.maxEntries === 0) return;
    this.#stopped = false;
    this.#untrack = trackListingCacheSize(() => this.#cache.size);
    this.#unsubscribe = this.#status.onRefresh((views) => {
      void this.#sync(views);
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe();
    this.#untrack();
    this.#cache.clear();
  }

  /**
   * The listing's answer, null when there is none. `claim` is what the
   * response says it is at least as new as (`X-Projection-Position`, of the
   * active catalog version); a cached answer is used only when it is valid
   * through that position.
   */
  read(listingId: string): CachedListing | Promise<CachedListing | null> {
    const claim = this.#claim();
    if (claim !== undefined) {
      const hit = this.#cache.lookup(listingId, claim, performance.now());
      if (hit !== undefined) {
        this.#hit.inc();
        return hit;
      }
    }
    this.#miss.inc();
    return this.#load(listingId);
  }

  #claim(): Claim | undefined {
    const view = this.#status.active(CATALOG);
    const checkpoint = this.#status.checkpoint(CATALOG);
    return view === undefined || checkpoint === undefined ? undefined : { version: view.version, checkpoint };
  }

  /** Fills the cache up to its size, newest active listings first. Resolves with the entries added. */
  async warm(): Promise<number> {
    if (this.#cache.maxEntries === 0) return 0;
    let added = 0;
    let key: readonly [string, string] = ['infinity', ''];
    while (!this.#cache.full && !this.#stopped) {
      const rows = await this.#activeNewest([...key, WARM_PAGE]);
      added += this.#keepWarm(rows);
      const last = rows.at(-1);
      if (last === undefined || rows.length < WARM_PAGE) break;
      key = [last.created_key, last.listing_id];
    }
    let after = '';
    while (!this.#cache.full && !this.#stopped) {
      const rows = await this.#othersById([after, WARM_PAGE]);
      added += this.#keepWarm(rows);
      const last = rows.at(-1);
      if (last === undefined || rows.length < WARM_PAGE) break;
      after = last.listing_id;
    }
    return added;
  }

  #keepWarm(rows: readonly StampedRow[]): number {
    const first = rows[0];
    const stamp = first === undefined ? null : stampOf(first);
    if (stamp === null) return 0;
    // Before the first status refresh, or across a rebuild's switch: these rows start the cache.
    this.#cache.pin(stamp.version, stamp.position, performance.now());
    let added = 0;
    for (const row of rows) {
      if (this.#cache.full) break;
      if (!this.#cache.has(row.listing_id) && this.#cache.admit(this.#entryOf(row), stamp)) added += 1;
    }
    return added;
  }

  #entryOf(row: StampedRow): CachedListing {
    const body = Buffer.from(this.#render(row), 'utf8');
    return { listingId: row.listing_id, sku: row.sku, body, etag: etagOf(body) };
  }

  /** Misses of one turn of the event loop share one query; concurrent misses of one id share its answer. */
  #load(listingId: string): Promise<CachedListing | null> {
    const waiting = this.#batch.get(listingId);
    if (waiting !== undefined) return waiting.promise;
    const waiter = Promise.withResolvers<CachedListing | null>();
    this.#batch.set(listingId, waiter);
    if (this.#batch.size === 1) setImmediate(this.#flush);
    return waiter.promise;
  }

  readonly #flush = (): void => {
    const batch = this.#batch;
    this.#batch = new Map();
    this.#byIds([[...batch.keys()]]).then(
      (rows) => {
        for (const row of rows) {
          const entry = this.#entryOf(row);
          const stamp = stampOf(row);
          if (stamp !== null) this.#cache.admit(entry, stamp);
          batch.get(row.listing_id)?.resolve(entry);
          batch.delete(row.listing_id);
        }
        for (const waiter of batch.values()) waiter.resolve(null);
      },
      (error: unknown) => {
        for (const waiter of batch.values()) waiter.reject(error);
      },
    );
  };

  /** After a status refresh: evicts what the catalog changed since the cache was last valid. */
  async #sync(views: readonly ProjectionStatus[]): Promise<void> {
    // One at a time: the next refresh picks up from wherever this one left the cache.
    if (this.#syncing || this.#stopped) return;
    this.#syncing = true;
    try {
      const view = views.find((v) => v.name === CATALOG && v.active);
      if (view === undefined) {
        this.#cache.clear();
        return;
      }
      const from = this.#cache.validThrough;
      if (this.#cache.version !== view.version || from === null) {
        this.#cache.pin(view.version, view.checkpoint, performance.now());
        return;
      }
      if (comparePositions(view.checkpoint, from) <= 0) {
        this.#cache.advance(view.version, from, from, NO_CHANGES, performance.now());
        return;
      }
      const changes = await this.#changes(from, view.checkpoint);
      if (changes === null) {
        this.#cache.clear();
        this.#cache.pin(view.version, view.checkpoint, performance.now());
      } else {
        this.#cache.advance(view.version, from, view.checkpoint, changes, performance.now());
      }
    } catch (error) {
      // Hits stop on their own once the last validation is too old; answers come from Postgres.
      const now = Date.now();
      if (now - this.#lastFailureLogged > FAILURE_LOG_INTERVAL_MS) {
        this.#lastFailureLogged = now;
        this.#logger.warn({ err: error }, 'reading the catalog changes for the listing cache failed');
      }
    } finally {
      this.#syncing = false;
    }
  }
}

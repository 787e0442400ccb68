import type pg from 'pg';
import type { InventoryEvent } from '../domain/inventory/events.ts';
import type { ListingEvent } from '../domain/listing/events.ts';
import type { LogPosition } from '../infra/event-store/port.ts';
import type { CatalogChanges } from './listing-cache.ts';
import { prepared } from './reading.ts';

/**
 * Which catalog row each event the catalog projection applies changes: a
 * listing event its listing row, an inventory event the stock row of its SKU
 * (shown by every listing of that SKU). A `Record` over the domain's unions,
 * so a new listing or inventory event does not build until it is listed
 * here; listing-changes.unit.test.ts checks that these are exactly the
 * catalog projection's events.
 */
export const CATALOG_EVENT_KEYS: Readonly<
  Record<ListingEvent['type'] | InventoryEvent['type'], 'listingId' | 'sku'>
> = {
  ListingCreated: 'listingId',
  ListingPublished: 'listingId',
  ListingPriceChanged: 'listingId',
  ListingWithdrawn: 'listingId',
  ListingSoldOut: 'listingId',
  ListingBackInStock: 'listingId',
  StockReceived: 'sku',
  StockAdjusted: 'sku',
  StockReserved: 'sku',
  ReservationReleased: 'sku',
  ReservationExpired: 'sku',
  ReservationCommitted: 'sku',
};

const CATALOG_EVENT_TYPES = Object.keys(CATALOG_EVENT_KEYS);

export type ChangedRow = Readonly<{ event_type: string; listing_id: string | null; sku: string | null }>;

/** The rows `events` changed; null when one of them has no key to name its row (evict everything). */
export const changesOf = (events: readonly ChangedRow[]): CatalogChanges | null => {
  const listingIds = new Set<string>();
  const skus = new Set<string>();
  for (const e of events) {
    const key = (CATALOG_EVENT_KEYS as Readonly<Record<string, 'listingId' | 'sku'>>)[e.event_type];
    if (key === 'listingId' && e.listing_id !== null) listingIds.add(e.listing_id);
    else if (key === 'sku' && e.sku !== null) skus.add(e.sku);
    else return null;
  }
  return { listingIds: [...listingIds], skus: [...skus] };
};

/**
 * Reads the catalog's changes in (after, upTo] of the log: the events the
 * catalog applies there, straight from the event store (a range of its
 * primary key). A checkpoint is never overtaken by a later commit, so the
 * span between two checkpoints holds every event the projection applied in
 * between. More than `limit` events: null (cheaper to empty the cache).
 */
export const catalogChangeReader = (
  pool: pg.Pool,
  eventStoreSchema: string,
  limit: number,
): ((after: LogPosition, upTo: LogPosition) => Promise<CatalogChanges | null>) => {
  const query = prepared<ChangedRow>(
    pool,
    `select event_type, data->>'listingId' as listing_id, data->>'sku' as sku
       from "${eventStoreSchema.replaceAll('"', '""')}".events
      where (transaction_id, position) > ($1::text::xid8, $2::bigint)
        and (transaction_id, position) <= ($3::text::xid8, $4::bigint)
        and event_type = any($5::text[])
      limit $6`,
  );
  return async (after, upTo) => {
    const rows = await query([
      String(after.commit),
      after.prepare,
      String(upTo.commit),
      upTo.prepare,
      CATALOG_EVENT_TYPES,
      limit + 1,
    ]);
    return rows.length > limit ? null : changesOf(rows);
  };
};

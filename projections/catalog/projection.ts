import type { InventoryEvent } from '../../domain/inventory/events.ts';
import type { ListingEvent } from '../../domain/listing/events.ts';
import { assertNever } from '../../domain/shared/index.ts';
import type { RecordedEvent } from '../../infra/event-store/port.ts';
import { asMessage, ProjectionError, required } from '../projection.ts';
import type { Projection } from '../projection.ts';
import { sqlRows } from '../rows.ts';
import { emptyStock, foldStock, INVENTORY_EVENT_TYPES } from '../stock.ts';
import type { StockLevel } from '../stock.ts';
import { catalogSchema } from './tables.ts';

type ListingRow = {
  listing_id: string;
  seller_id: string;
  sku: string;
  title: string;
  price_minor: number;
  currency: string;
  currency_exponent: number;
  status: 'draft' | 'active' | 'soldOut' | 'withdrawn';
  created_at: string;
  published_at: string | null;
  updated_at: string;
  revision: number;
};

type StockRow = StockLevel & { sku: string };

const LISTING_EVENT_TYPES: readonly ListingEvent['type'][] = [
  'ListingCreated',
  'ListingPublished',
  'ListingPriceChanged',
  'ListingWithdrawn',
  'ListingSoldOut',
  'ListingBackInStock',
];

const isListingEvent = (type: string): boolean => (LISTING_EVENT_TYPES as readonly string[]).includes(type);

const foldListing = (listings: Map<string, ListingRow>, event: ListingEvent, revision: number): void => {
  if (event.type === 'ListingCreated') {
    const { listingId, sellerId, title, price, sku, at } = event.data;
    if (listings.has(listingId)) throw new ProjectionError(`listing ${listingId} created twice`);
    listings.set(listingId, {
      listing_id: listingId,
      seller_id: sellerId,
      sku,
      title,
      price_minor: price.amount,
      currency: price.currency,
      currency_exponent: price.currencyExponent,
      status: 'draft',
      created_at: at,
      published_at: null,
      updated_at: at,
      revision,
    });
    return;
  }
  const row = required(listings.get(event.data.listingId), `listing ${event.data.listingId}`);
  row.updated_at = event.data.at;
  row.revision = revision;
  switch (event.type) {
    case 'ListingPublished':
      row.status = 'active';
      row.published_at = event.data.at;
      return;
    case 'ListingPriceChanged':
      row.price_minor = event.data.price.amount;
      row.currency = event.data.price.currency;
      row.currency_exponent = event.data.price.currencyExponent;
      return;
    case 'ListingWithdrawn':
      row.status = 'withdrawn';
      return;
    case 'ListingSoldOut':
      row.status = 'soldOut';
      return;
    case 'ListingBackInStock':
      row.status = 'active';
      return;
    default:
      assertNever(event, 'listing event');
  }
};

/** Listings with price, status and the stock of their SKU. */
export const catalogProjection: Projection = {
  name: 'catalog',
  schema: catalogSchema,
  handles: new Set<string>([...LISTING_EVENT_TYPES, ...INVENTORY_EVENT_TYPES]),
  apply: async (db, t, events: readonly RecordedEvent[], store = sqlRows(db, t)) => {
    const listingIds: string[] = [];
    const skus: string[] = [];
    for (const event of events) {
      const data = asMessage<ListingEvent | InventoryEvent>(event).data;
      if ('listingId' in data) listingIds.push(data.listingId);
      else skus.push(data.sku);
    }
    const listings = new Map(
      (await store.load<ListingRow>('listings', 'listing_id', listingIds)).map((r) => [r.listing_id, r]),
    );
    const stock = new Map((await store.load<StockRow>('stock', 'sku', skus)).map((r) => [r.sku, r]));
    const touchedListings = new Set<string>();
    const touchedSkus = new Set<string>();
    for (const event of events) {
      if (isListingEvent(event.type)) {
        const message = asMessage<ListingEvent>(event);
        foldListing(listings, message, event.revision);
        touchedListings.add(message.data.listingId);
      } else {
        const message = asMessage<InventoryEvent>(event);
        const sku = message.data.sku;
        let level = stock.get(sku);
        if (level === undefined) {
          level = { sku, ...emptyStock() };
          stock.set(sku, level);
        }
        foldStock(level, message);
        touchedSkus.add(sku);
      }
    }
    await store.upsert(
      'listings',
      ['listing_id'],
      [...touchedListings].map((id) => required(listings.get(id), id)),
    );
    await store.upsert(
      'stock',
      ['sku'],
      [...touchedSkus].map((sku) => required(stock.get(sku), sku)),
    );
  },
};

import { describe, expect, it } from 'vitest';
import { catalogProjection } from '../projections/catalog/projection.ts';
import { CATALOG_EVENT_KEYS, changesOf } from './listing-changes.ts';

describe('catalog changes for the listing cache', () => {
  it('names a row for exactly the events the catalog projection applies', () => {
    // A new event the catalog applies must be mapped to the rows it changes, or cached listings
    // would outlive its changes.
    expect(Object.keys(CATALOG_EVENT_KEYS).sort()).toEqual([...catalogProjection.handles].sort());
  });

  it('collects the listings and SKUs changed, once each', () => {
    expect(
      changesOf([
        { event_type: 'ListingPriceChanged', listing_id: 'l1', sku: null },
        { event_type: 'ListingWithdrawn', listing_id: 'l1', sku: null },
        { event_type: 'StockReserved', listing_id: null, sku: 'A' },
        { event_type: 'ReservationCommitted', listing_id: null, sku: 'A' },
      ]),
    ).toEqual({ listingIds: ['l1'], skus: ['A'] });
  });

  it('gives up (evict everything) on an event it cannot tie to a row', () => {
    expect(changesOf([{ event_type: 'ListingPublished', listing_id: null, sku: null }])).toBeNull();
    expect(changesOf([{ event_type: 'SomethingNew', listing_id: 'l1', sku: null }])).toBeNull();
  });
});

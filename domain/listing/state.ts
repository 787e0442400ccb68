import { assertNever, InvariantViolation } from '../shared/index.ts';
import type { Instant } from '../shared/index.ts';
import type { ListingEvent, ListingPrice } from './events.ts';

/**
 * draft ──publish──► active ◄──back in stock── soldOut
 *   │                  │ └───────sold out──────►  │
 *   └──────────────────┴──────withdraw──► withdrawn ◄┘
 */
export type ListingStatus = 'draft' | 'active' | 'withdrawn' | 'soldOut';

export type Listing = Readonly<{
  status: ListingStatus;
  listingId: string;
  sellerId: string;
  title: string;
  sku: string;
  price: ListingPrice;
  createdAt: Instant;
  updatedAt: Instant;
}>;

/** `none` until the stream has its ListingCreated; every other status carries the whole listing. */
export type ListingState = Readonly<{ status: 'none' }> | Listing;

export const initialState = (): ListingState => ({ status: 'none' });

const existing = (state: ListingState, event: ListingEvent): Listing => {
  if (state.status === 'none') throw new InvariantViolation(`${event.type} before ListingCreated`);
  return state;
};

const transition = (
  state: ListingState,
  event: ListingEvent,
  from: readonly ListingStatus[],
  to: ListingStatus,
): Listing => {
  const listing = existing(state, event);
  if (!from.includes(listing.status)) {
    throw new InvariantViolation(`${event.type} impossible in status ${listing.status}`);
  }
  return { ...listing, status: to, updatedAt: event.data.at };
};

export const evolve = (state: ListingState, event: ListingEvent): ListingState => {
  switch (event.type) {
    case 'ListingCreated': {
      if (state.status !== 'none') throw new InvariantViolation('ListingCreated on an existing listing');
      const { listingId, sellerId, title, sku, price, at } = event.data;
      return { status: 'draft', listingId, sellerId, title, sku, price, createdAt: at, updatedAt: at };
    }
    case 'ListingPublished':
      return transition(state, event, ['draft'], 'active');
    case 'ListingPriceChanged': {
      const listing = existing(state, event);
      if (listing.status === 'withdrawn') throw new InvariantViolation('price change on a withdrawn listing');
      if (event.data.price.currency !== listing.price.currency) {
        throw new InvariantViolation('price change to another currency');
      }
      return { ...listing, price: event.data.price, updatedAt: event.data.at };
    }
    case 'ListingWithdrawn':
      return transition(state, event, ['draft', 'active', 'soldOut'], 'withdrawn');
    case 'ListingSoldOut':
      return transition(state, event, ['active'], 'soldOut');
    case 'ListingBackInStock':
      return transition(state, event, ['soldOut'], 'active');
    default:
      return assertNever(event, 'listing event');
  }
};

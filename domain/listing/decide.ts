import {
  accept,
  assertNever,
  currencyExponent,
  isCurrencyCode,
  isInstant,
  isMinorUnits,
  refuse,
} from '../shared/index.ts';
import type { Decision, DomainError, Money } from '../shared/index.ts';
import type {
  ChangePrice,
  CreateListing,
  ListingCommand,
  MarkBackInStock,
  MarkSoldOut,
  PublishListing,
  WithdrawListing,
} from './commands.ts';
import type { ListingEvent, ListingPrice } from './events.ts';
import type { Listing, ListingState } from './state.ts';
import type { OrderLineInput } from '../order/commands.ts';

export const LISTING_ERROR_CODES = [
  'INVALID_INSTANT',
  'INVALID_TITLE',
  'INVALID_SKU',
  'INVALID_AMOUNT',
  'INVALID_CURRENCY',
  'CURRENCY_MISMATCH',
  'LISTING_ALREADY_EXISTS',
  'LISTING_NOT_FOUND',
  'NOT_LISTING_SELLER',
  'LISTING_WITHDRAWN',
  'LISTING_NOT_ACTIVE',
] as const;

export type ListingErrorCode = (typeof LISTING_ERROR_CODES)[number];

type Result = Decision<ListingEvent, ListingErrorCode>;
type Refusal = Extract<Result, { ok: false }>;

export const MAX_TITLE_LENGTH = 200;

/** A listing price is a positive whole number of minor units in a known currency. */
const invalidPrice = (price: Money): Refusal | null => {
  if (!isCurrencyCode(price.currency))
    return refuse('INVALID_CURRENCY', `unknown currency ${String(price.currency)}`);
  if (!isMinorUnits(price.amount) || price.amount === 0) {
    return refuse('INVALID_AMOUNT', 'price must be a positive whole number of minor units');
  }
  return null;
};

const toListingPrice = (price: Money): ListingPrice => ({
  amount: price.amount,
  currency: price.currency,
  currencyExponent: currencyExponent(price.currency),
});

/** The listing exists and `by` is its seller; otherwise the refusal to return. */
const sellersListing = (state: ListingState, by: string): Listing | Refusal => {
  if (state.status === 'none') return refuse('LISTING_NOT_FOUND', 'listing does not exist');
  if (state.sellerId !== by) return refuse('NOT_LISTING_SELLER', 'only the seller may change a listing');
  return state;
};

const isRefusal = (value: Listing | Refusal): value is Refusal => 'ok' in value;

const createListing = ({ data }: CreateListing, state: ListingState): Result => {
  const title = data.title.trim();
  if (title.length === 0 || title.length > MAX_TITLE_LENGTH) {
    return refuse('INVALID_TITLE', `title must have 1 to ${MAX_TITLE_LENGTH} characters`);
  }
  if (data.sku.trim().length === 0) return refuse('INVALID_SKU', 'sku must not be empty');
  const invalid = invalidPrice(data.price);
  if (invalid) return invalid;
  if (state.status !== 'none') {
    const same =
      state.sellerId === data.sellerId &&
      state.title === title &&
      state.sku === data.sku &&
      state.price.amount === data.price.amount &&
      state.price.currency === data.price.currency;
    return same ? accept() : refuse('LISTING_ALREADY_EXISTS', `listing ${data.listingId} already exists`);
  }
  return accept<ListingEvent>({
    type: 'ListingCreated',
    data: {
      listingId: data.listingId,
      sellerId: data.sellerId,
      title,
      price: toListingPrice(data.price),
      sku: data.sku,
      at: data.at,
    },
  });
};

const publishListing = ({ data }: PublishListing, state: ListingState): Result => {
  const listing = sellersListing(state, data.by);
  if (isRefusal(listing)) return listing;
  switch (listing.status) {
    case 'draft':
      return accept({
        type: 'ListingPublished',
        data: { listingId: listing.listingId, by: data.by, at: data.at },
      });
    case 'active':
    case 'soldOut':
      return accept(); // already published
    case 'withdrawn':
      return refuse('LISTING_WITHDRAWN', 'a withdrawn listing cannot be published again');
    default:
      return assertNever(listing.status, 'listing status');
  }
};

const changePrice = ({ data }: ChangePrice, state: ListingState): Result => {
  const listing = sellersListing(state, data.by);
  if (isRefusal(listing)) return listing;
  if (listing.status === 'withdrawn') return refuse('LISTING_WITHDRAWN', 'a withdrawn listing cannot change');
  const invalid = invalidPrice(data.price);
  if (invalid) return invalid;
  if (data.price.currency !== listing.price.currency) {
    return refuse('CURRENCY_MISMATCH', `listing is priced in ${listing.price.currency}`);
  }
  if (data.price.amount === listing.price.amount) return accept();
  return accept({
    type: 'ListingPriceChanged',
    data: {
      listingId: listing.listingId,
      price: toListingPrice(data.price),
      previousAmount: listing.price.amount,
      by: data.by,
      at: data.at,
    },
  });
};

const withdrawListing = ({ data }: WithdrawListing, state: ListingState): Result => {
  const listing = sellersListing(state, data.by);
  if (isRefusal(listing)) return listing;
  if (listing.status === 'withdrawn') return accept();
  return accept({
    type: 'ListingWithdrawn',
    data: { listingId: listing.listingId, by: data.by, at: data.at },
  });
};

/**
 * Stock signals from the system. A withdrawn listing ignores them (it is off
 * the market for good); a draft refuses them, since it was never on sale.
 */
const markSoldOut = ({ data }: MarkSoldOut, state: ListingState): Result => {
  switch (state.status) {
    case 'none':
      return refuse('LISTING_NOT_FOUND', 'listing does not exist');
    case 'draft':
      return refuse('LISTING_NOT_ACTIVE', 'a draft listing is not on sale');
    case 'active':
      return accept({ type: 'ListingSoldOut', data: { listingId: state.listingId, at: data.at } });
    case 'soldOut':
    case 'withdrawn':
      return accept();
    default:
      return assertNever(state, 'listing state');
  }
};

const markBackInStock = ({ data }: MarkBackInStock, state: ListingState): Result => {
  switch (state.status) {
    case 'none':
      return refuse('LISTING_NOT_FOUND', 'listing does not exist');
    case 'draft':
      return refuse('LISTING_NOT_ACTIVE', 'a draft listing is not on sale');
    case 'soldOut':
      return accept({ type: 'ListingBackInStock', data: { listingId: state.listingId, at: data.at } });
    case 'active':
    case 'withdrawn':
      return accept();
    default:
      return assertNever(state, 'listing state');
  }
};

export const decide = (command: ListingCommand, state: ListingState): Result => {
  if (!isInstant(command.data.at)) return refuse('INVALID_INSTANT', 'at must be an ISO 8601 UTC instant');
  switch (command.type) {
    case 'CreateListing':
      return createListing(command, state);
    case 'PublishListing':
      return publishListing(command, state);
    case 'ChangePrice':
      return changePrice(command, state);
    case 'WithdrawListing':
      return withdrawListing(command, state);
    case 'MarkSoldOut':
      return markSoldOut(command, state);
    case 'MarkBackInStock':
      return markBackInStock(command, state);
    default:
      return assertNever(command, 'listing command');
  }
};

const notOnSale = (state: ListingState): Readonly<{ ok: false; error: DomainError<'LISTING_NOT_ACTIVE'> }> =>
  refuse(
    'LISTING_NOT_ACTIVE',
    state.status === 'none' ? 'listing does not exist' : `listing is ${state.status}`,
  );

/**
 * For the order side: may this listing be bought right now? Only an active
 * listing can; a draft, withdrawn, sold-out or unknown listing is refused with
 * `LISTING_NOT_ACTIVE` (the message says which). Returns a Decision with no
 * events so it composes with the order's own decision.
 */
export const canBePurchased = (state: ListingState): Decision<never, 'LISTING_NOT_ACTIVE'> =>
  state.status === 'active' ? accept<never>() : notOnSale(state);

/** Alias of `canBePurchased`, named for use as a guard clause. */
export const assertPurchasable = canBePurchased;

/** An order line as `PlaceOrder` takes it, priced by the listing. */
export type PurchaseLine = OrderLineInput;

/**
 * The order line for buying `quantity` of this listing now, or why it cannot
 * be bought. The buyer names a listing and a quantity; the SKU, the seller and
 * the price come from the listing as folded from its stream, never from the
 * client, so nobody buys a withdrawn listing or at a price of their choosing.
 * The quantity is checked by `PlaceOrder` (INVALID_QUANTITY) and by stock.
 */
export const purchaseLine = (
  state: ListingState,
  quantity: number,
):
  | Readonly<{ ok: true; line: PurchaseLine }>
  | Readonly<{ ok: false; error: DomainError<'LISTING_NOT_ACTIVE'> }> => {
  if (state.status !== 'active') return notOnSale(state);
  const { listingId, sku, sellerId, price } = state;
  return {
    ok: true,
    line: {
      listingId,
      sku,
      sellerId,
      quantity,
      unitPrice: { amount: price.amount, currency: price.currency },
    },
  };
};

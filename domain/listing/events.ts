import type { CurrencyCode, Instant, Message } from '../shared/index.ts';

/**
 * A price as it is written to the log: integer minor units, the ISO 4217 code
 * and the currency exponent (2 for EUR, 0 for JPY), so a reader of the log can
 * show `amount / 10^exponent` without a currency table of its own.
 */
export type ListingPrice = Readonly<{ amount: number; currency: CurrencyCode; currencyExponent: number }>;

export type ListingCreated = Message<
  'ListingCreated',
  { listingId: string; sellerId: string; title: string; price: ListingPrice; sku: string; at: Instant }
>;
export type ListingPublished = Message<'ListingPublished', { listingId: string; by: string; at: Instant }>;
export type ListingPriceChanged = Message<
  'ListingPriceChanged',
  { listingId: string; price: ListingPrice; previousAmount: number; by: string; at: Instant }
>;
export type ListingWithdrawn = Message<'ListingWithdrawn', { listingId: string; by: string; at: Instant }>;
export type ListingSoldOut = Message<'ListingSoldOut', { listingId: string; at: Instant }>;
export type ListingBackInStock = Message<'ListingBackInStock', { listingId: string; at: Instant }>;

export type ListingEvent =
  | ListingCreated
  | ListingPublished
  | ListingPriceChanged
  | ListingWithdrawn
  | ListingSoldOut
  | ListingBackInStock;

import type { Instant, Message, Money } from '../shared/index.ts';

/** Opens a draft listing. The seller is the only actor who may change it afterwards. */
export type CreateListing = Message<
  'CreateListing',
  { listingId: string; sellerId: string; title: string; price: Money; sku: string; at: Instant }
>;

/** Makes a draft visible and purchasable. Only the seller publishes. */
export type PublishListing = Message<'PublishListing', { listingId: string; by: string; at: Instant }>;

/** New price in the listing's currency. Only the seller changes it. */
export type ChangePrice = Message<
  'ChangePrice',
  { listingId: string; price: Money; by: string; at: Instant }
>;

/** Takes the listing off the market for good. Only the seller withdraws. */
export type WithdrawListing = Message<'WithdrawListing', { listingId: string; by: string; at: Instant }>;

/** Sent by the system when available stock for the listing's SKU reaches zero. */
export type MarkSoldOut = Message<'MarkSoldOut', { listingId: string; at: Instant }>;

/** Sent by the system when stock for a sold-out listing's SKU is available again. */
export type MarkBackInStock = Message<'MarkBackInStock', { listingId: string; at: Instant }>;

export type ListingCommand =
  CreateListing | PublishListing | ChangePrice | WithdrawListing | MarkSoldOut | MarkBackInStock;

import { category, listingDecider, MAX_TITLE_LENGTH } from '../../domain/listing/index.ts';
import type {
  ChangePrice,
  CreateListing,
  MarkBackInStock,
  MarkSoldOut,
  PublishListing,
  WithdrawListing,
} from '../../domain/listing/index.ts';
import { defineCommand } from '../definition.ts';
import type { CommandDefinition } from '../definition.ts';
import { At, Id, Money, Struct, Text } from './schemas.ts';

const listing = { category, decider: listingDecider };

export const listingCommands: readonly CommandDefinition[] = [
  defineCommand({
    name: 'listing.create',
    description:
      'Opens a draft listing for a seller: title, price (positive minor units) and the SKU whose stock it sells.',
    schema: Struct({
      listingId: Id,
      sellerId: Id,
      title: Text(MAX_TITLE_LENGTH),
      price: Money,
      sku: Id,
      at: At,
    }),
    aggregate: listing,
    streamKey: (data) => data.listingId,
    toCommand: (data, envelope): CreateListing => ({
      type: 'CreateListing',
      data: {
        listingId: data.listingId,
        sellerId: data.sellerId,
        title: data.title,
        price: data.price,
        sku: data.sku,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      listingId: 'lst-7f3a',
      sellerId: 'usr-seller-42',
      title: 'Vintage denim jacket, size M',
      price: { amount: 4500, currency: 'EUR' },
      sku: 'sku-7f3a',
      at: '2025-03-01T09:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'listing.publish',
    description: 'Makes a draft visible and purchasable. Only the seller (`by`) publishes.',
    schema: Struct({ listingId: Id, by: Id, at: At }),
    aggregate: listing,
    streamKey: (data) => data.listingId,
    toCommand: (data, envelope): PublishListing => ({
      type: 'PublishListing',
      data: { listingId: data.listingId, by: data.by, at: data.at ?? envelope.receivedAt },
    }),
    example: { listingId: 'lst-7f3a', by: 'usr-seller-42', at: '2025-03-01T09:05:00.000Z' },
  }),
  defineCommand({
    name: 'listing.change-price',
    description: "Sets a new price in the listing's currency. Only the seller (`by`) changes it.",
    schema: Struct({ listingId: Id, price: Money, by: Id, at: At }),
    aggregate: listing,
    streamKey: (data) => data.listingId,
    toCommand: (data, envelope): ChangePrice => ({
      type: 'ChangePrice',
      data: {
        listingId: data.listingId,
        price: data.price,
        by: data.by,
        at: data.at ?? envelope.receivedAt,
      },
    }),
    example: {
      listingId: 'lst-7f3a',
      price: { amount: 3900, currency: 'EUR' },
      by: 'usr-seller-42',
      at: '2025-03-02T10:00:00.000Z',
    },
  }),
  defineCommand({
    name: 'listing.withdraw',
    description: 'Takes the listing off the market for good. Only the seller (`by`) withdraws.',
    schema: Struct({ listingId: Id, by: Id, at: At }),
    aggregate: listing,
    streamKey: (data) => data.listingId,
    toCommand: (data, envelope): WithdrawListing => ({
      type: 'WithdrawListing',
      data: { listingId: data.listingId, by: data.by, at: data.at ?? envelope.receivedAt },
    }),
    example: { listingId: 'lst-7f3a', by: 'usr-seller-42', at: '2025-03-05T18:00:00.000Z' },
  }),
  defineCommand({
    name: 'listing.mark-sold-out',
    description: "Sent by the system when available stock for the listing's SKU reaches zero.",
    schema: Struct({ listingId: Id, at: At }),
    aggregate: listing,
    streamKey: (data) => data.listingId,
    toCommand: (data, envelope): MarkSoldOut => ({
      type: 'MarkSoldOut',
      data: { listingId: data.listingId, at: data.at ?? envelope.receivedAt },
    }),
    example: { listingId: 'lst-7f3a', at: '2025-03-03T12:00:00.000Z' },
  }),
  defineCommand({
    name: 'listing.mark-back-in-stock',
    description: "Sent by the system when stock for a sold-out listing's SKU is available again.",
    schema: Struct({ listingId: Id, at: At }),
    aggregate: listing,
    streamKey: (data) => data.listingId,
    toCommand: (data, envelope): MarkBackInStock => ({
      type: 'MarkBackInStock',
      data: { listingId: data.listingId, at: data.at ?? envelope.receivedAt },
    }),
    example: { listingId: 'lst-7f3a', at: '2025-03-04T08:00:00.000Z' },
  }),
];

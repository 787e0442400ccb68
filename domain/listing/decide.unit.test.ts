import { describe, expect, it } from 'vitest';
import { spec } from '../shared/spec.ts';
import { fold, InvariantViolation } from '../shared/index.ts';
import type { Money } from '../shared/index.ts';
import {
  assertPurchasable,
  canBePurchased,
  category,
  evolve,
  initialState,
  listingDecider,
  purchaseLine,
  streamId,
} from './index.ts';
import type { ListingCommand, ListingEvent } from './index.ts';

const at = '2025-03-01T10:00:00.000Z';
const later = '2025-03-01T11:00:00.000Z';
const listingId = 'L1';
const seller = 'seller-1';
const stranger = 'seller-2';
const eur = (amount: number): Money => ({ amount, currency: 'EUR' });

const created: ListingEvent = {
  type: 'ListingCreated',
  data: {
    listingId,
    sellerId: seller,
    title: 'Blue bicycle',
    price: { amount: 12_500, currency: 'EUR', currencyExponent: 2 },
    sku: 'SKU-1',
    at,
  },
};
const published: ListingEvent = { type: 'ListingPublished', data: { listingId, by: seller, at } };
const withdrawn: ListingEvent = { type: 'ListingWithdrawn', data: { listingId, by: seller, at: later } };
const soldOut: ListingEvent = { type: 'ListingSoldOut', data: { listingId, at: later } };
const backInStock: ListingEvent = { type: 'ListingBackInStock', data: { listingId, at: later } };

const create = (
  overrides: Partial<Extract<ListingCommand, { type: 'CreateListing' }>['data']> = {},
): ListingCommand => ({
  type: 'CreateListing',
  data: {
    listingId,
    sellerId: seller,
    title: 'Blue bicycle',
    price: eur(12_500),
    sku: 'SKU-1',
    at,
    ...overrides,
  },
});
const publish = (by = seller): ListingCommand => ({ type: 'PublishListing', data: { listingId, by, at } });
const changePrice = (price: Money = eur(9_900), by = seller): ListingCommand => ({
  type: 'ChangePrice',
  data: { listingId, price, by, at: later },
});
const withdraw = (by = seller): ListingCommand => ({
  type: 'WithdrawListing',
  data: { listingId, by, at: later },
});
const markSoldOut: ListingCommand = { type: 'MarkSoldOut', data: { listingId, at: later } };
const markBackInStock: ListingCommand = { type: 'MarkBackInStock', data: { listingId, at: later } };

const listing = spec(listingDecider);

describe('listing stream', () => {
  it('is named listing-<id>', () => {
    expect(category).toBe('listing');
    expect(streamId('L1')).toBe('listing-L1');
  });
});

describe('any command', () => {
  const withAt = (command: ListingCommand, at: string): ListingCommand =>
    ({ ...command, data: { ...command.data, at } }) as ListingCommand;
  it.each(
    [create(), publish(), changePrice(), withdraw(), markSoldOut, markBackInStock].map((c) => [c.type, c]),
  )('%s is refused when at is not an ISO-8601 UTC instant, and changes nothing', (_type, command) => {
    listing.given([created, published]).when(withAt(command, 'yesterday')).thenRefused('INVALID_INSTANT');
    listing
      .given([created, published])
      .when(withAt(command, '2025-03-01T10:00:00+02:00'))
      .thenRefused('INVALID_INSTANT');
  });
});

describe('CreateListing', () => {
  it('opens a draft with the price and its currency exponent', () => {
    listing.given([]).when(create()).then([created]);
  });
  it('records the exponent of a zero-decimal currency', () => {
    listing
      .given([])
      .when(create({ price: { amount: 1500, currency: 'JPY' } }))
      .then([
        {
          ...created,
          data: { ...created.data, price: { amount: 1500, currency: 'JPY', currencyExponent: 0 } },
        },
      ]);
  });
  it('trims the title', () => {
    listing
      .given([])
      .when(create({ title: '  Blue bicycle ' }))
      .then([created]);
  });
  it('is a no-op when repeated with the same data', () => {
    listing.given([created]).when(create()).thenNothing();
  });
  it('is refused when the listing exists with other data', () => {
    listing
      .given([created])
      .when(create({ title: 'Red bicycle' }))
      .thenRefused('LISTING_ALREADY_EXISTS');
  });
  it.each([
    ['negative', -1],
    ['fractional', 10.5],
    ['zero', 0],
    ['unsafe', Number.MAX_SAFE_INTEGER + 1],
    ['NaN', Number.NaN],
  ])('refuses a %s price', (_name, amount) => {
    listing
      .given([])
      .when(create({ price: eur(amount) }))
      .thenRefused('INVALID_AMOUNT');
  });
  it('refuses an unknown currency', () => {
    const price = { amount: 100, currency: 'XXX' } as unknown as Money;
    listing.given([]).when(create({ price })).thenRefused('INVALID_CURRENCY');
  });
  it('refuses an empty or overlong title', () => {
    listing
      .given([])
      .when(create({ title: '   ' }))
      .thenRefused('INVALID_TITLE');
    listing
      .given([])
      .when(create({ title: 'x'.repeat(201) }))
      .thenRefused('INVALID_TITLE');
  });
  it('refuses an empty sku', () => {
    listing
      .given([])
      .when(create({ sku: '' }))
      .thenRefused('INVALID_SKU');
  });
});

describe('PublishListing', () => {
  it('makes a draft active', () => {
    listing.given([created]).when(publish()).then([published]);
  });
  it('is a no-op when already active or sold out', () => {
    listing.given([created, published]).when(publish()).thenNothing();
    listing.given([created, published, soldOut]).when(publish()).thenNothing();
  });
  it('is refused for anyone but the seller', () => {
    listing.given([created]).when(publish(stranger)).thenRefused('NOT_LISTING_SELLER');
  });
  it('is refused for an unknown listing', () => {
    listing.given([]).when(publish()).thenRefused('LISTING_NOT_FOUND');
  });
  it('is refused once withdrawn', () => {
    listing.given([created, withdrawn]).when(publish()).thenRefused('LISTING_WITHDRAWN');
  });
});

describe('ChangePrice', () => {
  const changed: ListingEvent = {
    type: 'ListingPriceChanged',
    data: {
      listingId,
      price: { amount: 9_900, currency: 'EUR', currencyExponent: 2 },
      previousAmount: 12_500,
      by: seller,
      at: later,
    },
  };
  it('changes the price of a draft, an active or a sold-out listing', () => {
    listing.given([created]).when(changePrice()).then([changed]);
    listing.given([created, published]).when(changePrice()).then([changed]);
    listing.given([created, published, soldOut]).when(changePrice()).then([changed]);
  });
  it('is a no-op when the price is the same', () => {
    listing
      .given([created])
      .when(changePrice(eur(12_500)))
      .thenNothing();
  });
  it('is refused for anyone but the seller', () => {
    listing
      .given([created, published])
      .when(changePrice(eur(1), stranger))
      .thenRefused('NOT_LISTING_SELLER');
  });
  it('is refused for an unknown listing', () => {
    listing.given([]).when(changePrice()).thenRefused('LISTING_NOT_FOUND');
  });
  it('is refused once withdrawn', () => {
    listing.given([created, withdrawn]).when(changePrice()).thenRefused('LISTING_WITHDRAWN');
  });
  it('refuses negative, fractional or zero amounts', () => {
    listing
      .given([created])
      .when(changePrice(eur(-100)))
      .thenRefused('INVALID_AMOUNT');
    listing
      .given([created])
      .when(changePrice(eur(99.99)))
      .thenRefused('INVALID_AMOUNT');
    listing
      .given([created])
      .when(changePrice(eur(0)))
      .thenRefused('INVALID_AMOUNT');
  });
  it('refuses another currency, or an unknown one', () => {
    listing
      .given([created])
      .when(changePrice({ amount: 100, currency: 'USD' }))
      .thenRefused('CURRENCY_MISMATCH');
    listing
      .given([created])
      .when(changePrice({ amount: 100, currency: 'XXX' } as unknown as Money))
      .thenRefused('INVALID_CURRENCY');
  });
});

describe('WithdrawListing', () => {
  it('withdraws a draft, an active or a sold-out listing', () => {
    listing.given([created]).when(withdraw()).then([withdrawn]);
    listing.given([created, published]).when(withdraw()).then([withdrawn]);
    listing.given([created, published, soldOut]).when(withdraw()).then([withdrawn]);
  });
  it('is a no-op when already withdrawn', () => {
    listing.given([created, withdrawn]).when(withdraw()).thenNothing();
  });
  it('is refused for anyone but the seller', () => {
    listing.given([created, published]).when(withdraw(stranger)).thenRefused('NOT_LISTING_SELLER');
  });
  it('is refused for an unknown listing', () => {
    listing.given([]).when(withdraw()).thenRefused('LISTING_NOT_FOUND');
  });
});

describe('MarkSoldOut', () => {
  it('marks an active listing sold out', () => {
    listing.given([created, published]).when(markSoldOut).then([soldOut]);
  });
  it('is a no-op when already sold out or withdrawn', () => {
    listing.given([created, published, soldOut]).when(markSoldOut).thenNothing();
    listing.given([created, published, withdrawn]).when(markSoldOut).thenNothing();
  });
  it('is refused for a draft or an unknown listing', () => {
    listing.given([created]).when(markSoldOut).thenRefused('LISTING_NOT_ACTIVE');
    listing.given([]).when(markSoldOut).thenRefused('LISTING_NOT_FOUND');
  });
});

describe('MarkBackInStock', () => {
  it('makes a sold-out listing active again', () => {
    listing.given([created, published, soldOut]).when(markBackInStock).then([backInStock]);
  });
  it('is a no-op when active or withdrawn', () => {
    listing.given([created, published]).when(markBackInStock).thenNothing();
    listing.given([created, published, soldOut, withdrawn]).when(markBackInStock).thenNothing();
  });
  it('is refused for a draft or an unknown listing', () => {
    listing.given([created]).when(markBackInStock).thenRefused('LISTING_NOT_ACTIVE');
    listing.given([]).when(markBackInStock).thenRefused('LISTING_NOT_FOUND');
  });
});

describe('canBePurchased', () => {
  it('accepts only an active listing', () => {
    expect(canBePurchased(fold(listingDecider, [created, published]))).toEqual({ ok: true, events: [] });
    for (const history of [[], [created], [created, withdrawn], [created, published, soldOut]]) {
      const decision = assertPurchasable(fold(listingDecider, history));
      expect(decision.ok).toBe(false);
      if (!decision.ok) expect(decision.error.code).toBe('LISTING_NOT_ACTIVE');
    }
  });
});

describe('purchaseLine', () => {
  it('prices an order line from an active listing, whatever the client believes', () => {
    expect(purchaseLine(fold(listingDecider, [created, published]), 2)).toEqual({
      ok: true,
      line: { listingId, sku: 'SKU-1', sellerId: seller, quantity: 2, unitPrice: eur(12_500) },
    });
    const repriced: ListingEvent = {
      type: 'ListingPriceChanged',
      data: {
        listingId,
        price: { amount: 9_900, currency: 'EUR', currencyExponent: 2 },
        previousAmount: 12_500,
        by: seller,
        at: later,
      },
    };
    const decision = purchaseLine(fold(listingDecider, [created, published, repriced]), 1);
    expect(decision.ok && decision.line.unitPrice).toEqual(eur(9_900));
  });
  it('refuses a withdrawn, draft, sold-out or unknown listing', () => {
    for (const history of [[], [created], [created, published, withdrawn], [created, published, soldOut]]) {
      const decision = purchaseLine(fold(listingDecider, history), 1);
      expect(decision.ok ? 'accepted' : decision.error.code).toBe('LISTING_NOT_ACTIVE');
    }
  });
});

describe('evolve', () => {
  it('throws on an event impossible in the state', () => {
    expect(() => evolve(initialState(), published)).toThrow(InvariantViolation);
    expect(() => fold(listingDecider, [created, created])).toThrow(InvariantViolation);
    expect(() => fold(listingDecider, [created, soldOut])).toThrow(InvariantViolation);
    expect(() => fold(listingDecider, [created, withdrawn, published])).toThrow(InvariantViolation);
  });
  it('tracks status, price and timestamps', () => {
    const state = fold(listingDecider, [created, published, soldOut, backInStock]);
    expect(state).toMatchObject({ status: 'active', updatedAt: later, createdAt: at, sellerId: seller });
  });
});

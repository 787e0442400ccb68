import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, isMinorUnits } from '../shared/index.ts';
import type { Money } from '../shared/index.ts';
import { canBePurchased, listingDecider, purchaseLine } from './index.ts';
import type { ListingCommand, ListingEvent, ListingState } from './index.ts';

const listingId = 'L1';
const actor = fc.constantFrom('seller-1', 'seller-2');
const at = fc.constantFrom('2025-03-01T10:00:00.000Z', '2025-03-01T11:00:00Z', 'not-a-date');
const price: fc.Arbitrary<Money> = fc.record({
  amount: fc.oneof(fc.constantFrom(0, -5, 1.5, 100, 12_500), fc.integer({ min: 1, max: 10 })),
  currency: fc.constantFrom('EUR' as const, 'JPY' as const),
});

const command: fc.Arbitrary<ListingCommand> = fc.oneof(
  fc
    .record({
      sellerId: actor,
      title: fc.constantFrom('Bike', '', 'Lamp'),
      price,
      sku: fc.constantFrom('S1', ''),
      at,
    })
    .map((data): ListingCommand => ({ type: 'CreateListing', data: { listingId, ...data } })),
  fc
    .record({ by: actor, at })
    .map((data): ListingCommand => ({ type: 'PublishListing', data: { listingId, ...data } })),
  fc
    .record({ by: actor, price, at })
    .map((data): ListingCommand => ({ type: 'ChangePrice', data: { listingId, ...data } })),
  fc
    .record({ by: actor, at })
    .map((data): ListingCommand => ({ type: 'WithdrawListing', data: { listingId, ...data } })),
  at.map((at): ListingCommand => ({ type: 'MarkSoldOut', data: { listingId, at } })),
  at.map((at): ListingCommand => ({ type: 'MarkBackInStock', data: { listingId, at } })),
);

const invariants = (state: ListingState): void => {
  if (state.status === 'none') return;
  expect(isMinorUnits(state.price.amount) && state.price.amount > 0).toBe(true);
  expect(Number.isInteger(state.price.currencyExponent)).toBe(true);
};

/** Runs commands through decide, folding what is accepted; each accepted command, repeated at once, is a no-op. */
const run = (commands: readonly ListingCommand[]): { history: ListingEvent[]; states: ListingState[] } => {
  let state = listingDecider.initialState();
  const history: ListingEvent[] = [];
  const states: ListingState[] = [state];
  for (const cmd of commands) {
    const before = state;
    const snapshot = JSON.stringify(before);
    const decision = listingDecider.decide(cmd, state);
    expect(JSON.stringify(before)).toBe(snapshot); // decide never mutates its state
    if (!decision.ok) continue;
    for (const event of decision.events) {
      state = listingDecider.evolve(state, event);
      history.push(event);
      states.push(state);
    }
    expect(JSON.stringify(before)).toBe(snapshot); // nor does evolve
    expect(listingDecider.decide(cmd, state)).toEqual({ ok: true, events: [] });
  }
  return { history, states };
};

describe('listing properties', () => {
  it('withdrawn is final, the currency never changes, and only an active listing can be bought', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const { states } = run(commands);
        const withdrawnAt = states.findIndex((s) => s.status === 'withdrawn');
        if (withdrawnAt >= 0) expect(states.length - 1).toBe(withdrawnAt);
        const currencies = new Set(states.flatMap((s) => (s.status === 'none' ? [] : [s.price.currency])));
        expect(currencies.size).toBeLessThanOrEqual(1);
        for (const state of states) {
          expect(canBePurchased(state).ok).toBe(state.status === 'active');
          const line = purchaseLine(state, 1);
          expect(line.ok).toBe(state.status === 'active');
          if (line.ok && state.status !== 'none') expect(line.line.unitPrice.amount).toBe(state.price.amount);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any command sequence keeps the invariants; evolve never throws; folding twice gives the same state', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
        const { history, states } = run(commands); // evolve never throws on what decide produced
        states.forEach(invariants);
        const sellers = new Set(states.flatMap((s) => (s.status === 'none' ? [] : [s.sellerId])));
        expect(sellers.size).toBeLessThanOrEqual(1); // the seller never changes
        expect(JSON.parse(JSON.stringify(history))).toEqual(history); // events are plain JSON
        expect(fold(listingDecider, history)).toEqual(states.at(-1));
        expect(fold(listingDecider, history)).toEqual(fold(listingDecider, history));
      }),
      { numRuns: 300 },
    );
  });

  it('only the seller ever changes a listing', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 20 }), (commands) => {
        let state = listingDecider.initialState();
        for (const cmd of commands) {
          const decision = listingDecider.decide(cmd, state);
          if (decision.ok && decision.events.length > 0 && 'by' in cmd.data && state.status !== 'none') {
            expect(cmd.data.by).toBe(state.sellerId);
          }
          if (decision.ok) state = decision.events.reduce(listingDecider.evolve, state);
        }
      }),
      { numRuns: 300 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold, toMillis } from '../shared/index.ts';
import { entriesOf } from '../shared/persistent-map.ts';
import { addExpiry, earliestExpiry, expiredBy, expiryMillis, removeExpiry } from './expiry-index.ts';
import type { ExpiryIndex, ExpiryKey } from './expiry-index.ts';
import { inventoryDecider, isExpired } from './index.ts';
import type { InventoryCommand, InventoryEvent } from './index.ts';
import { expiredReservationIds } from './state.ts';

const arbKey: fc.Arbitrary<ExpiryKey> = fc.record({
  expiresAt: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(Infinity)),
  reservationId: fc.integer({ min: 0, max: 60 }).map((n) => `r${String(n)}`),
});

const byExpiry = (a: ExpiryKey, b: ExpiryKey): number =>
  a.expiresAt - b.expiresAt ||
  (a.reservationId < b.reservationId ? -1 : a.reservationId > b.reservationId ? 1 : 0);

describe('ExpiryIndex', () => {
  it('lists what expired by any instant, earliest first, like a sorted list would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), arbKey), { maxLength: 200 }),
        fc.integer({ min: -1, max: 21 }),
        (ops, at) => {
          const model = new Map<string, ExpiryKey>();
          let index: ExpiryIndex = null;
          for (const [add, key] of ops) {
            const held = model.get(key.reservationId);
            if (add && held === undefined) {
              index = addExpiry(index, key);
              model.set(key.reservationId, key);
            } else if (!add && held !== undefined) {
              index = removeExpiry(index, held);
              model.delete(key.reservationId);
            }
          }
          const expected = [...model.values()].sort(byExpiry);
          expect(earliestExpiry(index)).toBe(expected[0]?.expiresAt ?? Infinity);
          expect(expiredBy(index, at)).toEqual(
            expected.filter((key) => key.expiresAt <= at).map((key) => key.reservationId),
          );
          expect(expiredBy(index, Infinity)).toEqual(expected.map((key) => key.reservationId));
          expect(expiredBy(index, Number.NaN)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('has one shape per content and leaves an index unchanged by removing what it lacks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbKey, { selector: (key) => key.reservationId, maxLength: 80 }), (keys) => {
        const forward = keys.reduce<ExpiryIndex>(addExpiry, null);
        const backward = [...keys].reverse().reduce<ExpiryIndex>(addExpiry, null);
        expect(backward).toEqual(forward);
        expect(removeExpiry(forward, { expiresAt: 5, reservationId: 'absent' })).toBe(forward);
        expect(keys.reduce(removeExpiry, forward)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('reads an unparsable expiry as never expiring', () => {
    expect(expiryMillis(Number.NaN)).toBe(Infinity);
    expect(expiryMillis(3)).toBe(3);
  });
});

describe('inventory state keeps its expiry index in step with the live reservations', () => {
  const sku = 'SKU-1';
  const at = '2025-03-01T10:00:00.000Z';
  const expiries = ['2025-03-01T10:10:00.000Z', '2025-03-01T10:20:00.000Z', '2025-03-01T10:30:00.000Z'];
  const instants = [at, '2025-03-01T10:15:00.000Z', '2025-03-01T10:25:00.000Z'];
  type Step = Readonly<{
    id: string;
    quantity: number;
    expiresAt: string;
    at: string;
    kind: 'reserve' | 'release' | 'commit' | 'expire';
  }>;
  const arbStep: fc.Arbitrary<Step> = fc.record({
    id: fc.integer({ min: 0, max: 20 }).map((n) => `r${String(n)}`),
    quantity: fc.integer({ min: 1, max: 3 }),
    expiresAt: fc.constantFrom(...expiries),
    at: fc.constantFrom(...instants),
    kind: fc.constantFrom(
      'reserve' as const,
      'reserve' as const,
      'release' as const,
      'commit' as const,
      'expire' as const,
    ),
  });

  const command = (step: Step): InventoryCommand => {
    const { id: reservationId, at: stepAt } = step;
    switch (step.kind) {
      case 'reserve':
        return {
          type: 'ReserveStock',
          data: {
            sku,
            reservationId,
            orderId: 'o',
            quantity: step.quantity,
            expiresAt: step.expiresAt,
            at: stepAt,
          },
        };
      case 'release':
        return { type: 'ReleaseReservation', data: { sku, reservationId, reason: 'r', at: stepAt } };
      case 'commit':
        return { type: 'CommitReservation', data: { sku, reservationId, at: stepAt } };
      case 'expire':
        return { type: 'ExpireReservation', data: { sku, reservationId, at: stepAt } };
    }
  };

  it('lists exactly the live reservations expired at an instant, earliest first', () => {
    fc.assert(
      fc.property(
        fc.array(arbStep, { maxLength: 60 }),
        fc.constantFrom(...instants, ...expiries, '2025-03-01T11:00:00.000Z', 'not-an-instant'),
        (steps, probe) => {
          const history: InventoryEvent[] = [
            { type: 'StockReceived', data: { sku, receiptId: 'g', quantity: 8, onHand: 8, receivedAt: at } },
          ];
          let state = fold(inventoryDecider, history);
          for (const step of steps) {
            const decision = inventoryDecider.decide(command(step), state);
            if (decision.ok) state = decision.events.reduce(inventoryDecider.evolve, state);
          }
          const live = [...entriesOf(state.reservations)];
          // The index holds every live reservation and nothing else.
          expect(expiredBy(state.expiries, Infinity).sort()).toEqual(live.map(([id]) => id).sort());
          const expected = live
            .filter(([, reservation]) => isExpired(reservation, probe))
            .sort(
              ([idA, a], [idB, b]) =>
                toMillis(a.expiresAt) - toMillis(b.expiresAt) || (idA < idB ? -1 : idA > idB ? 1 : 0),
            )
            .map(([id]) => id);
          expect(expiredReservationIds(state, probe)).toEqual(expected);
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/index.ts';
import { getIn, hasIn, keysOf, valuesOf } from '../shared/persistent-map.ts';
import { available, inventoryDecider } from './index.ts';
import type { InventoryCommand, InventoryEvent, InventoryState } from './index.ts';

// A small world, so random sequences often reuse ids, run out of stock and cross expiries.
const sku = 'SKU-1';
const instants = [
  '2025-03-01T10:00:00.000Z',
  '2025-03-01T10:10:00.000Z',
  '2025-03-01T10:20:00.000Z',
  '2025-03-01T10:30:00.000Z',
  '2025-03-01T11:00:00.000Z',
  '2025-03-01T12:00:00.000Z',
];
const instant = (i: number): string => instants[Math.min(i, instants.length - 1)] ?? '';
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: good, weight: 15 }, { arbitrary: bad, weight: 1 });

const arbAt = mostly(fc.constantFrom(...instants), fc.constant('not-an-instant'));
const arbQuantity = mostly(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, -1, 1.5, Number.NaN));
const arbReservationId = fc.constantFrom('r1', 'r2', 'r3', 'r4');
const arbSku = mostly(fc.constant(sku), fc.constant('SKU-2'));
const arbReason = mostly(fc.constantFrom('count', 'breakage'), fc.constant(''));
/** An instant and an expiry, usually 1 to 3 steps later, sometimes not after it. */
const arbWindow = mostly(
  fc.record({ from: fc.nat({ max: instants.length - 2 }), length: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ from: fc.nat({ max: instants.length - 1 }), length: fc.constantFrom(0, -1) }),
).map(({ from, length }) => ({ at: instant(from), expiresAt: instant(Math.max(0, from + length)) }));

const arbCommand: fc.Arbitrary<InventoryCommand> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .record({
        sku: arbSku,
        receiptId: fc.constantFrom('g1', 'g2', 'g3', 'g4'),
        quantity: arbQuantity,
        at: arbAt,
      })
      .map((data): InventoryCommand => ({ type: 'ReceiveStock', data })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        sku: arbSku,
        adjustmentId: fc.constantFrom('a1', 'a2', 'a3'),
        delta: mostly(fc.integer({ min: -4, max: 3 }), fc.constantFrom(0, 0.5)),
        reason: arbReason,
        at: arbAt,
      })
      .map((data): InventoryCommand => ({ type: 'AdjustStock', data })),
  },
  {
    weight: 5,
    arbitrary: fc
      .record({
        sku: arbSku,
        reservationId: arbReservationId,
        orderId: fc.constantFrom('o1', 'o2'),
        quantity: arbQuantity,
        window: arbWindow,
      })
      .map(({ window, ...data }): InventoryCommand => ({
        type: 'ReserveStock',
        data: { ...data, ...window },
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ sku: arbSku, reservationId: arbReservationId, reason: arbReason, at: arbAt })
      .map((data): InventoryCommand => ({ type: 'ReleaseReservation', data })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ sku: arbSku, reservationId: arbReservationId, at: arbAt })
      .map((data): InventoryCommand => ({ type: 'ExpireReservation', data })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ sku: arbSku, reservationId: arbReservationId, at: arbAt })
      .map((data): InventoryCommand => ({ type: 'CommitReservation', data })),
  },
);
/** Usually starts with some stock, so reservations and their settlements are common. */
const arbCommands = fc
  .tuple(fc.nat({ max: 12 }), fc.array(arbCommand, { maxLength: 60 }))
  .map(([initial, commands]): InventoryCommand[] => [
    ...(initial === 0
      ? []
      : [
          {
            type: 'ReceiveStock',
            data: { sku, receiptId: 'g0', quantity: initial, at: instant(0) },
          } as const,
        ]),
    ...commands,
  ]);

type Step = Readonly<{
  command: InventoryCommand;
  before: InventoryState;
  events: readonly InventoryEvent[];
}>;
type Run = Readonly<{ history: InventoryEvent[]; states: InventoryState[]; steps: Step[] }>;

/** Runs commands through decide and evolve; refusals are skipped, as the command side would. */
const run = (commands: readonly InventoryCommand[]): Run => {
  let state = inventoryDecider.initialState();
  const history: InventoryEvent[] = [];
  const states: InventoryState[] = [state];
  const steps: Step[] = [];
  for (const command of commands) {
    const snapshot = JSON.stringify(state);
    const decision = inventoryDecider.decide(command, state);
    expect(JSON.stringify(state)).toBe(snapshot); // decide never mutates
    if (!decision.ok) continue;
    steps.push({ command, before: state, events: decision.events });
    for (const event of decision.events) {
      state = inventoryDecider.evolve(state, event); // never throws on what decide produced
      history.push(event);
      states.push(state);
    }
  }
  return { history, states, steps };
};

const sum = (values: Iterable<number>): number => {
  let total = 0;
  for (const value of values) total += value;
  return total;
};

describe('inventory properties over random command sequences', () => {
  it('stock is never negative, reserved ≤ on hand, available ≥ 0, and nothing is oversold', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        let receivedTotal = 0;
        let adjustedTotal = 0;
        let committedTotal = 0;
        let state = inventoryDecider.initialState();
        for (const event of run(commands).history) {
          state = inventoryDecider.evolve(state, event);
          if (event.type === 'StockReceived') receivedTotal += event.data.quantity;
          if (event.type === 'StockAdjusted') adjustedTotal += event.data.delta;
          if (event.type === 'ReservationCommitted') committedTotal += event.data.quantity;

          const live = [...valuesOf(state.reservations)];
          expect(state.onHand).toBeGreaterThanOrEqual(0);
          expect(state.reserved).toBe(sum(live.map((r) => r.quantity)));
          expect(state.reserved).toBeGreaterThanOrEqual(0);
          expect(state.reserved).toBeLessThanOrEqual(state.onHand);
          for (const at of instants) {
            expect(available(state, at)).toBeGreaterThanOrEqual(0);
            expect(available(state, at)).toBeLessThanOrEqual(state.onHand);
          }
          // No oversell: what left plus what is promised never exceeds what came in.
          expect(committedTotal + state.reserved).toBeLessThanOrEqual(receivedTotal + adjustedTotal);
          expect(state.onHand).toBe(receivedTotal + adjustedTotal - committedTotal);
          for (const id of keysOf(state.reservations)) expect(hasIn(state.settled, id)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('evolve never throws on a history decide produced; folding it twice, or after JSON, gives the same state', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { history, states } = run(commands);
        const once = fold(inventoryDecider, history);
        expect(fold(inventoryDecider, history)).toEqual(once);
        expect(once).toEqual(states.at(-1));
        const json = JSON.parse(JSON.stringify(history)) as InventoryEvent[];
        expect(json).toStrictEqual(history);
        expect(fold(inventoryDecider, json)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('every accepted command, repeated at once, is a no-op', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        for (const { command, before, events } of run(commands).steps) {
          const after = events.reduce(inventoryDecider.evolve, before);
          expect(inventoryDecider.decide(command, after)).toEqual({ ok: true, events: [] });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a new reservation is granted exactly when its quantity fits what is available at its instant', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        let state = inventoryDecider.initialState();
        for (const command of commands) {
          const decision = inventoryDecider.decide(command, state);
          if (command.type === 'ReserveStock' && command.data.sku === sku) {
            const { reservationId, quantity, at } = command.data;
            const isNew = !hasIn(state.reservations, reservationId) && !hasIn(state.settled, reservationId);
            if (!decision.ok && decision.error.code === 'INSUFFICIENT_STOCK')
              expect(quantity).toBeGreaterThan(available(state, at));
            if (decision.ok && isNew) {
              expect(quantity).toBeLessThanOrEqual(available(state, at));
              expect(decision.events.at(-1)?.type).toBe('StockReserved');
              // Only reservations already past their expiry are expired to make room.
              for (const event of decision.events.slice(0, -1)) {
                expect(event.type).toBe('ReservationExpired');
                if (event.type === 'ReservationExpired') {
                  const held = getIn(state.reservations, event.data.reservationId);
                  expect(held !== undefined && held.expiresAt <= at).toBe(true);
                }
              }
            }
          }
          if (decision.ok) state = decision.events.reduce(inventoryDecider.evolve, state);
        }
      }),
      { numRuns: 500 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/index.ts';
import { BUYER, DAY, FEES, ORDER_ID, placeOrder, SELLER, TOTAL } from './fixtures.ts';
import type { OrderCommand, OrderEvent, OrderState } from './index.ts';
import { orderDecider } from './index.ts';

// A small world so that random sequences often hit the interesting transitions.
const instants = [
  '2025-03-01T10:00:00.000Z',
  '2025-03-01T10:30:00.000Z',
  '2025-03-02T00:00:00.000Z',
  '2025-03-05T00:00:00.000Z',
  '2025-03-20T00:00:00.000Z',
];
const arbAt = fc.oneof(
  { arbitrary: fc.constantFrom(...instants), weight: 12 },
  { arbitrary: fc.constantFrom('2025-02-30T00:00:00.000Z', 'soon'), weight: 1 },
);
const arbBy = fc.oneof(
  { arbitrary: fc.constantFrom(BUYER, SELLER), weight: 6 },
  { arbitrary: fc.constantFrom('system', 'stranger'), weight: 1 },
);
const arbAmount = fc.oneof(
  { arbitrary: fc.constant(TOTAL), weight: 3 },
  { arbitrary: fc.constantFrom(1, 500, TOTAL - 1, TOTAL - 500, TOTAL + 1, 0), weight: 3 },
  { arbitrary: fc.constantFrom(-1, 0.5, Number.NaN), weight: 1 },
);
const arbWindow = fc.constantFrom(0, DAY, 14 * DAY, 14 * DAY, -1, Number.MAX_SAFE_INTEGER);
const id = { orderId: ORDER_ID };

const arbCommand: fc.Arbitrary<OrderCommand> = fc.oneof(
  fc.constant<OrderCommand>(placeOrder),
  arbAt.map((at): OrderCommand => ({
    type: 'PlaceOrder',
    data: { ...placeOrder.data, at, feeSchedule: FEES },
  })),
  fc
    .record({ paymentDeadline: arbAt, at: arbAt })
    .map((d): OrderCommand => ({ type: 'ConfirmStockReserved', data: { ...id, ...d } })),
  arbAt.map((at): OrderCommand => ({
    type: 'RejectOrder',
    data: { ...id, reason: 'insufficient stock', at },
  })),
  fc
    .record({ paymentId: fc.constantFrom('pay-1', 'pay-2'), amount: arbAmount, at: arbAt })
    .map(({ paymentId, amount, at }): OrderCommand => ({
      type: 'RecordPaymentCaptured',
      data: { ...id, paymentId, amount: { amount, currency: 'EUR' }, at },
    })),
  arbAt.map((at): OrderCommand => ({ type: 'ExpireOrder', data: { ...id, at } })),
  fc
    .record({ by: arbBy, trackingNumber: fc.constantFrom('T-1', 'T-2'), at: arbAt })
    .map((d): OrderCommand => ({ type: 'ShipOrder', data: { ...id, carrier: 'DHL', ...d } })),
  arbAt.map((at): OrderCommand => ({ type: 'MarkDelivered', data: { ...id, at } })),
  fc
    .record({ by: arbBy, at: arbAt })
    .map((d): OrderCommand => ({ type: 'ConfirmReceipt', data: { ...id, ...d } })),
  fc
    .record({ completionWindowMillis: arbWindow, at: arbAt })
    .map((d): OrderCommand => ({ type: 'AutoCompleteOrder', data: { ...id, ...d } })),
  fc
    .record({ by: arbBy, answerDeadline: arbAt, at: arbAt })
    .map((d): OrderCommand => ({ type: 'RequestCancellation', data: { ...id, reason: 'why not', ...d } })),
  fc
    .record({ by: arbBy, at: arbAt })
    .map((d): OrderCommand => ({ type: 'AcceptCancellation', data: { ...id, ...d } })),
  fc
    .record({ by: arbBy, at: arbAt })
    .map((d): OrderCommand => ({ type: 'DeclineCancellation', data: { ...id, reason: 'no', ...d } })),
  fc
    .record({ by: arbBy, at: arbAt })
    .map((d): OrderCommand => ({ type: 'CancelBySeller', data: { ...id, reason: 'gone', ...d } })),
  fc
    .record({ by: arbBy, returnWindowMillis: arbWindow, at: arbAt })
    .map((d): OrderCommand => ({ type: 'RequestReturn', data: { ...id, reason: 'broken', ...d } })),
  fc
    .record({ by: arbBy, at: arbAt })
    .map((d): OrderCommand => ({ type: 'RecordReturnReceived', data: { ...id, ...d } })),
  fc
    .record({ refundId: fc.constantFrom('r-1', 'r-2', 'r-3'), amount: arbAmount, at: arbAt })
    .map(({ refundId, amount, at }): OrderCommand => ({
      type: 'RecordRefunded',
      data: { ...id, refundId, amount: { amount, currency: 'EUR' }, at },
    })),
);

const at = (i: number): string => instants[i] ?? '';
const lifeSteps: Record<string, OrderCommand> = {
  place: placeOrder,
  reserve: { type: 'ConfirmStockReserved', data: { ...id, paymentDeadline: at(1), at: at(0) } },
  pay: {
    type: 'RecordPaymentCaptured',
    data: { ...id, paymentId: 'pay-1', amount: { amount: TOTAL, currency: 'EUR' }, at: at(0) },
  },
  ship: { type: 'ShipOrder', data: { ...id, by: SELLER, carrier: 'DHL', trackingNumber: 'T-1', at: at(2) } },
  deliver: { type: 'MarkDelivered', data: { ...id, at: at(3) } },
  askCancel: {
    type: 'RequestCancellation',
    data: { ...id, by: BUYER, reason: 'oops', answerDeadline: at(2), at: at(0) },
  },
  sellerCancels: { type: 'CancelBySeller', data: { ...id, by: SELLER, reason: 'gone', at: at(1) } },
  askReturn: {
    type: 'RequestReturn',
    data: { ...id, by: BUYER, reason: 'broken', returnWindowMillis: 14 * DAY, at: at(3) },
  },
  returned: { type: 'RecordReturnReceived', data: { ...id, by: SELLER, at: at(4) } },
};
const paths = [
  [],
  ['place'],
  ['place', 'reserve'],
  ['place', 'reserve', 'pay'],
  ['place', 'reserve', 'pay', 'askCancel'],
  ['place', 'reserve', 'pay', 'sellerCancels'],
  ['place', 'reserve', 'pay', 'ship'],
  ['place', 'reserve', 'pay', 'ship', 'deliver'],
  ['place', 'reserve', 'pay', 'ship', 'deliver', 'askReturn'],
  ['place', 'reserve', 'pay', 'ship', 'deliver', 'askReturn', 'returned'],
];
/** A prefix reaching each stage of the life, so the random tail starts from every stage, not only from nothing. */
const arbPrefix = fc
  .constantFrom(...paths)
  .map((path) => path.map((step): OrderCommand => lifeSteps[step] ?? placeOrder));

const arbCommands = fc
  .tuple(arbPrefix, fc.array(arbCommand, { maxLength: 40 }))
  .map(([a, b]) => [...a, ...b]);

type Run = { history: OrderEvent[]; states: OrderState[]; accepted: OrderCommand[] };

/** Runs commands through decide, folding what is accepted; also checks each accepted command repeats as a no-op. */
const run = (commands: readonly OrderCommand[]): Run => {
  let state = orderDecider.initialState();
  const history: OrderEvent[] = [];
  const states: OrderState[] = [state];
  const accepted: OrderCommand[] = [];
  for (const command of commands) {
    const before = state;
    const snapshot = JSON.stringify(before);
    const decision = orderDecider.decide(command, state);
    expect(JSON.stringify(before)).toBe(snapshot); // decide never mutates its state
    if (!decision.ok) continue;
    accepted.push(command);
    for (const event of decision.events) {
      state = orderDecider.evolve(state, event);
      history.push(event);
      states.push(state);
    }
    expect(JSON.stringify(before)).toBe(snapshot); // nor does evolve
    // Every accepted command, repeated at once, is an idempotent no-op.
    expect(orderDecider.decide(command, state)).toEqual({ ok: true, events: [] });
  }
  return { history, states, accepted };
};

/** Statuses nothing leaves: no command records anything once the order is here. */
const FINAL = ['rejected', 'expired', 'completed', 'refunded'] as const;
const isFinal = (state: OrderState): boolean =>
  (FINAL as readonly string[]).includes(state.status) ||
  (state.status === 'cancelled' && state.refund.dueMinor === 0);

describe('order properties over random command sequences', () => {
  it('evolve never throws on histories decide produced; folding twice gives the same state', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { history, states } = run(commands);
        const once = fold(orderDecider, history);
        expect(fold(orderDecider, history)).toEqual(once);
        expect(once).toEqual(states.at(-1));
      }),
      { numRuns: 500 },
    );
  });

  it('events are plain JSON: they survive a round trip unchanged', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { history } = run(commands);
        const json = JSON.parse(JSON.stringify(history)) as unknown;
        expect(json).toStrictEqual(history);
        expect(fold(orderDecider, json as OrderEvent[])).toEqual(fold(orderDecider, history));
      }),
      { numRuns: 200 },
    );
  });

  it('money invariants: paid = total, refunds ≤ due ≤ paid, nothing due without a payment', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { states } = run(commands);
        for (const state of states) {
          if (state.status === 'initial') continue;
          if ('payment' in state && state.payment !== null)
            expect(state.payment.amountMinor).toBe(state.order.totalMinor);
          if ('refund' in state) {
            const paid = state.payment === null ? 0 : state.payment.amountMinor;
            expect(state.refund.refundedMinor).toBeGreaterThanOrEqual(0);
            expect(state.refund.refundedMinor).toBeLessThanOrEqual(state.refund.dueMinor);
            expect(state.refund.dueMinor).toBeLessThanOrEqual(paid);
            if (state.status === 'refunded') expect(state.refund.refundedMinor).toBe(state.refund.dueMinor);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('stock is reserved before money is taken: OrderPaid always follows OrderStockReserved', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const types = run(commands).history.map((e) => e.type);
        const paidAt = types.indexOf('OrderPaid');
        if (paidAt >= 0) expect(types.slice(0, paidAt)).toContain('OrderStockReserved');
      }),
      { numRuns: 300 },
    );
  });

  it('a final status is never left, and a command once accepted never records anything again', () => {
    // Sagas and timers redeliver late: a repeat after later events must be a no-op or a refusal.
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { history, states, accepted } = run(commands);
        const firstFinal = states.findIndex(isFinal);
        if (firstFinal >= 0) expect(states.length - 1).toBe(firstFinal);
        const last = fold(orderDecider, history);
        for (const command of accepted) {
          const again = orderDecider.decide(command, last);
          if (again.ok) expect(again.events).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('only a paid order ships, and only the order’s own actors move it', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { history } = run(commands);
        const types = history.map((e) => e.type);
        const shippedAt = types.indexOf('OrderShipped');
        if (shippedAt >= 0) expect(types.slice(0, shippedAt)).toContain('OrderPaid');
        expect(types.filter((t) => t === 'OrderPaid').length).toBeLessThanOrEqual(1);
        for (const event of history)
          if (event.type === 'OrderCancelled') expect([SELLER, 'system']).toContain(event.data.cancelledBy);
      }),
      { numRuns: 500 },
    );
  });
});

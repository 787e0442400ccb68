import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeFee, ROUNDING_RULES } from '../fees/index.ts';
import type { FeeSchedule } from '../fees/index.ts';
import { fold } from '../shared/index.ts';
import type { SellerAccountCommand, SellerAccountEvent, SellerAccountState } from './index.ts';
import {
  balances,
  escrowRemaining,
  LEDGER_ACCOUNTS,
  NON_NEGATIVE_ACCOUNTS,
  sellerAccountDecider,
  sumOfPostings,
} from './index.ts';

const SELLER = 'seller-1';
const at = '2025-03-10T00:00:00.000Z';
const arbOrder = fc.constantFrom('o-1', 'o-2', 'o-3', 'o-4');
const amountUpTo = (max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: 1, max }), weight: 8 },
    { arbitrary: fc.constantFrom(0, -1, 0.5, Number.MAX_SAFE_INTEGER), weight: 1 },
  );
const arbGross = amountUpTo(20_000);
const arbRefund = amountUpTo(6_000);
const arbPayout = amountUpTo(3_000);
const arbSchedule: fc.Arbitrary<FeeSchedule> = fc.record({
  id: fc.constantFrom('fees-a', 'fees-b'),
  rateBasisPoints: fc.integer({ min: 0, max: 10_000 }),
  fixedMinor: fc.integer({ min: 0, max: 500 }),
  currency: fc.constant('EUR' as const),
  rounding: fc.constantFrom(...ROUNDING_RULES),
});
const eur = (amount: number) => ({ amount, currency: 'EUR' as const });

const arbCommand: fc.Arbitrary<SellerAccountCommand> = fc.oneof(
  {
    arbitrary: fc
      .record({ orderId: arbOrder, amount: arbGross })
      .map(({ orderId, amount }): SellerAccountCommand => ({
        type: 'HoldInEscrow',
        data: { sellerId: SELLER, orderId, gross: eur(amount), at },
      })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({ orderId: arbOrder, refundId: fc.constantFrom('r-1', 'r-2', 'r-3'), amount: arbRefund })
      .map(({ orderId, refundId, amount }): SellerAccountCommand => ({
        type: 'RefundEscrow',
        data: { sellerId: SELLER, orderId, refundId, amount: eur(amount), at },
      })),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({ orderId: arbOrder, feeSchedule: arbSchedule })
      .map((d): SellerAccountCommand => ({ type: 'ReleaseEscrow', data: { sellerId: SELLER, ...d, at } })),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({
        payoutId: fc.constantFrom('p-1', 'p-2', 'p-3'),
        amount: arbPayout,
        by: fc.constantFrom(SELLER, SELLER, 'x'),
      })
      .map(({ payoutId, amount, by }): SellerAccountCommand => ({
        type: 'RequestPayout',
        data: { sellerId: SELLER, by, payoutId, amount: eur(amount), at },
      })),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom('p-1', 'p-2', 'p-3').map((payoutId): SellerAccountCommand => ({
      type: 'RecordPayoutPaid',
      data: { sellerId: SELLER, payoutId, at },
    })),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom('p-1', 'p-2', 'p-3').map((payoutId): SellerAccountCommand => ({
      type: 'RecordPayoutFailed',
      data: { sellerId: SELLER, payoutId, reason: 'bank', at },
    })),
    weight: 2,
  },
);
const starter: SellerAccountCommand[] = [
  { type: 'HoldInEscrow', data: { sellerId: SELLER, orderId: 'o-1', gross: eur(10_000), at } },
  { type: 'HoldInEscrow', data: { sellerId: SELLER, orderId: 'o-2', gross: eur(8_000), at } },
  {
    type: 'ReleaseEscrow',
    data: {
      sellerId: SELLER,
      orderId: 'o-1',
      feeSchedule: {
        id: 'fees-a',
        rateBasisPoints: 500,
        fixedMinor: 70,
        currency: 'EUR',
        rounding: 'half-even',
      },
      at,
    },
  },
];
/** Often start from an account with escrow and available funds, so payouts and refunds get exercised. */
const arbCommands = fc
  .tuple(fc.integer({ min: 0, max: starter.length }), fc.array(arbCommand, { maxLength: 60 }))
  .map(([n, tail]) => [...starter.slice(0, n), ...tail]);

const run = (commands: readonly SellerAccountCommand[]) => {
  let state = sellerAccountDecider.initialState();
  const history: SellerAccountEvent[] = [];
  const states: SellerAccountState[] = [state];
  /** Accepted commands with the events each recorded. */
  const accepted: { command: SellerAccountCommand; events: readonly SellerAccountEvent[] }[] = [];
  for (const command of commands) {
    const before = state;
    const snapshot = JSON.stringify(before);
    const decision = sellerAccountDecider.decide(command, state);
    expect(JSON.stringify(before)).toBe(snapshot); // decide never mutates its state
    if (!decision.ok) continue;
    accepted.push({ command, events: decision.events });
    for (const event of decision.events) {
      state = sellerAccountDecider.evolve(state, event);
      history.push(event);
      states.push(state);
    }
    expect(JSON.stringify(before)).toBe(snapshot); // nor does evolve
    expect(sellerAccountDecider.decide(command, state)).toEqual({ ok: true, events: [] });
  }
  return { history, states, accepted };
};

describe('seller-account properties over random command sequences', () => {
  it('every ledger event balances, in one currency, with integer postings', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        for (const event of run(commands).history) {
          expect(sumOfPostings(event.data.postings)).toBe(0);
          expect(event.data.currency).toBe('EUR');
          for (const posting of event.data.postings) {
            expect(Number.isSafeInteger(posting.amountMinor)).toBe(true);
            expect(posting.amountMinor).not.toBe(0);
            expect(LEDGER_ACCOUNTS).toContain(posting.account);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('balances never go negative where they must not; escrow per order ≥ 0 and adds up to the escrow account', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        for (const state of run(commands).states) {
          const b = balances(state);
          for (const account of NON_NEGATIVE_ACCOUNTS) expect(b[account]).toBeGreaterThanOrEqual(0);
          expect(LEDGER_ACCOUNTS.reduce((sum, account) => sum + b[account], 0)).toBe(0);
          if (state.status !== 'active') continue;
          const perOrder = Object.values(state.escrows).map(escrowRemaining);
          for (const remaining of perOrder) expect(remaining).toBeGreaterThanOrEqual(0);
          expect(perOrder.reduce((a, c) => a + c, 0)).toBe(b.escrow);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('money is conserved: what buyers paid = escrow + seller funds + payouts + fees + refunds', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { history, states } = run(commands);
        const b = balances(states.at(-1) ?? sellerAccountDecider.initialState());
        let captured = 0;
        let fees = 0;
        let refunded = 0;
        for (const event of history) {
          if (event.type === 'EscrowHeld') captured += event.data.grossMinor;
          if (event.type === 'EscrowReleased') {
            fees += event.data.feeMinor;
            expect(event.data.feeMinor + event.data.sellerNetMinor).toBe(event.data.releasedMinor);
            expect(event.data.feeMinor).toBeLessThanOrEqual(event.data.releasedMinor);
          }
          if (event.type === 'EscrowRefunded') refunded += event.data.amountMinor;
        }
        expect(0 - b.buyerFunds).toBe(captured);
        expect(b.feeRevenue).toBe(fees);
        expect(b.refunds).toBe(refunded);
        expect(captured).toBe(
          b.escrow + b.sellerAvailable + b.payoutPending + b.payouts + b.feeRevenue + b.refunds,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('a release charges exactly the fee of what the order still held, by the schedule it was given', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { accepted } = run(commands);
        const gross = new Map<string, number>();
        const refunded = new Map<string, number>();
        for (const { command, events } of accepted)
          for (const event of events) {
            if (event.type === 'EscrowHeld') gross.set(event.data.orderId, event.data.grossMinor);
            if (event.type === 'EscrowRefunded') {
              const { orderId, amountMinor } = event.data;
              refunded.set(orderId, (refunded.get(orderId) ?? 0) + amountMinor);
              expect(refunded.get(orderId)).toBeLessThanOrEqual(gross.get(orderId) ?? 0);
            }
            if (event.type === 'EscrowReleased' && command.type === 'ReleaseEscrow') {
              const { orderId } = event.data;
              const left = (gross.get(orderId) ?? 0) - (refunded.get(orderId) ?? 0);
              const fee = computeFee({ amount: left, currency: 'EUR' }, command.data.feeSchedule).amount;
              expect(event.data).toMatchObject({
                releasedMinor: left,
                feeMinor: fee,
                sellerNetMinor: left - fee,
                feeScheduleId: command.data.feeSchedule.id,
              });
            }
          }
      }),
      { numRuns: 300 },
    );
  });

  it('a command once accepted never records anything again, whatever came after', () => {
    // Sagas and providers redeliver late: a repeat must be a no-op or a refusal, never a second entry.
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { states, accepted } = run(commands);
        const last = states.at(-1) ?? sellerAccountDecider.initialState();
        for (const { command } of accepted) {
          const again = sellerAccountDecider.decide(command, last);
          if (again.ok) expect(again.events).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('evolve never throws on histories decide produced; folding twice, or after a JSON round trip, gives the same state', () => {
    fc.assert(
      fc.property(arbCommands, (commands) => {
        const { history, states } = run(commands);
        const once = fold(sellerAccountDecider, history);
        expect(fold(sellerAccountDecider, history)).toEqual(once);
        expect(once).toEqual(states.at(-1));
        const json = JSON.parse(JSON.stringify(history)) as SellerAccountEvent[];
        expect(json).toStrictEqual(history);
        expect(fold(sellerAccountDecider, json)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });
});

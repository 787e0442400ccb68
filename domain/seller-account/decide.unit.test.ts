import { describe, expect, it } from 'vitest';
import type { FeeSchedule } from '../fees/index.ts';
import { fold } from '../shared/index.ts';
import { spec } from '../shared/spec.ts';
import type {
  EscrowHeld,
  EscrowRefunded,
  EscrowReleased,
  PayoutRequested,
  SellerAccountCommand,
  SellerAccountEvent,
} from './index.ts';
import { balances, category, escrowBalance, sellerAccountDecider, streamId, sumOfPostings } from './index.ts';

const account = spec(sellerAccountDecider);
const SELLER = 'seller-1';
const at = '2025-03-10T00:00:00.000Z';
const FEES: FeeSchedule = {
  id: 'fees-2025-01',
  rateBasisPoints: 500,
  fixedMinor: 70,
  currency: 'EUR',
  rounding: 'half-even',
};
const eur = (amount: number) => ({ amount, currency: 'EUR' as const });

const held = (orderId: string, grossMinor: number): EscrowHeld => ({
  type: 'EscrowHeld',
  data: {
    sellerId: SELLER,
    currency: 'EUR',
    orderId,
    grossMinor,
    postings: [
      { account: 'buyerFunds', amountMinor: -grossMinor },
      { account: 'escrow', amountMinor: grossMinor },
    ],
    heldAt: at,
  },
});
const refunded = (orderId: string, refundId: string, amountMinor: number): EscrowRefunded => ({
  type: 'EscrowRefunded',
  data: {
    sellerId: SELLER,
    currency: 'EUR',
    orderId,
    refundId,
    amountMinor,
    postings: [
      { account: 'escrow', amountMinor: -amountMinor },
      { account: 'refunds', amountMinor },
    ],
    refundedAt: at,
  },
});
const released = (orderId: string, releasedMinor: number, feeMinor: number): EscrowReleased => ({
  type: 'EscrowReleased',
  data: {
    sellerId: SELLER,
    currency: 'EUR',
    orderId,
    releasedMinor,
    feeMinor,
    sellerNetMinor: releasedMinor - feeMinor,
    feeScheduleId: FEES.id,
    postings: [
      ...(releasedMinor === feeMinor
        ? []
        : [
            { account: 'escrow' as const, amountMinor: -(releasedMinor - feeMinor) },
            { account: 'sellerAvailable' as const, amountMinor: releasedMinor - feeMinor },
          ]),
      ...(feeMinor === 0
        ? []
        : [
            { account: 'escrow' as const, amountMinor: -feeMinor },
            { account: 'feeRevenue' as const, amountMinor: feeMinor },
          ]),
    ],
    releasedAt: at,
  },
});
const payoutRequested = (payoutId: string, amountMinor: number): PayoutRequested => ({
  type: 'PayoutRequested',
  data: {
    sellerId: SELLER,
    currency: 'EUR',
    payoutId,
    amountMinor,
    postings: [
      { account: 'sellerAvailable', amountMinor: -amountMinor },
      { account: 'payoutPending', amountMinor },
    ],
    requestedAt: at,
  },
});

const hold = (orderId: string, amount: number, currency = 'EUR'): SellerAccountCommand => ({
  type: 'HoldInEscrow',
  data: { sellerId: SELLER, orderId, gross: { amount, currency: currency as 'EUR' }, at },
});
const refund = (orderId: string, refundId: string, amount: number): SellerAccountCommand => ({
  type: 'RefundEscrow',
  data: { sellerId: SELLER, orderId, refundId, amount: eur(amount), at },
});
const release = (orderId: string, feeSchedule = FEES): SellerAccountCommand => ({
  type: 'ReleaseEscrow',
  data: { sellerId: SELLER, orderId, feeSchedule, at },
});
const requestPayout = (payoutId: string, amount: number, by = SELLER): SellerAccountCommand => ({
  type: 'RequestPayout',
  data: { sellerId: SELLER, by, payoutId, amount: eur(amount), at },
});
const paid = (payoutId: string): SellerAccountCommand => ({
  type: 'RecordPayoutPaid',
  data: { sellerId: SELLER, payoutId, at },
});
const failed = (payoutId: string): SellerAccountCommand => ({
  type: 'RecordPayoutFailed',
  data: { sellerId: SELLER, payoutId, reason: 'bank rejected', at },
});

// 10 000 gross at 5 % + 0.70 → fee 570, seller 9 430.
const releasedHistory: SellerAccountEvent[] = [held('o-1', 10_000), released('o-1', 10_000, 570)];

describe('seller stream', () => {
  it('is seller-<id>', () => {
    expect(category).toBe('seller');
    expect(streamId('s-1')).toBe('seller-s-1');
  });
});

describe('HoldInEscrow', () => {
  it('moves the captured gross from buyer funds into escrow', () => {
    account
      .given([])
      .when(hold('o-1', 10_000))
      .then([held('o-1', 10_000)]);
    account
      .given([held('o-1', 10_000)])
      .when(hold('o-2', 500))
      .then([held('o-2', 500)]);
  });
  it('is a no-op for the same order and gross, even after release', () => {
    account
      .given([held('o-1', 10_000)])
      .when(hold('o-1', 10_000))
      .thenNothing();
    account.given(releasedHistory).when(hold('o-1', 10_000)).thenNothing();
  });
  it('refuses funds the ledger could not represent exactly', () => {
    account
      .given([held('o-1', 10)])
      .when(hold('o-2', Number.MAX_SAFE_INTEGER))
      .thenRefused('LEDGER_LIMIT_EXCEEDED');
  });
  it('refuses another gross for the same order', () => {
    account
      .given([held('o-1', 10_000)])
      .when(hold('o-1', 9_999))
      .thenRefused('ESCROW_CONFLICT');
  });
  it('refuses a zero, negative or fractional gross', () => {
    account.given([]).when(hold('o-1', 0)).thenRefused('INVALID_AMOUNT');
    account.given([]).when(hold('o-1', -100)).thenRefused('INVALID_AMOUNT');
    account.given([]).when(hold('o-1', 10.5)).thenRefused('INVALID_AMOUNT');
  });
  it('refuses an unknown currency, or another currency than the ledger’s', () => {
    account
      .given([])
      .when(hold('o-1', 100, 'XXX'))
      .thenRefused('INVALID_CURRENCY');
    account
      .given([held('o-1', 10_000)])
      .when(hold('o-2', 100, 'USD'))
      .thenRefused('CURRENCY_MISMATCH');
  });
  it('refuses another seller’s entry and bad ids or instants', () => {
    account
      .given([held('o-1', 10_000)])
      .when({ type: 'HoldInEscrow', data: { sellerId: 'seller-2', orderId: 'o-2', gross: eur(100), at } })
      .thenRefused('SELLER_MISMATCH');
    account.given([]).when(hold('', 100)).thenRefused('INVALID_ID');
    account
      .given([])
      .when({ type: 'HoldInEscrow', data: { sellerId: SELLER, orderId: 'o-1', gross: eur(100), at: 'now' } })
      .thenRefused('INVALID_INSTANT');
  });
});

describe('RefundEscrow', () => {
  it('gives part of an order’s escrow back to the buyer', () => {
    account
      .given([held('o-1', 10_000)])
      .when(refund('o-1', 'r-1', 2_500))
      .then([refunded('o-1', 'r-1', 2_500)]);
  });
  it('allows several partial refunds up to what is held', () => {
    account
      .given([held('o-1', 10_000), refunded('o-1', 'r-1', 2_500)])
      .when(refund('o-1', 'r-2', 7_500))
      .then([refunded('o-1', 'r-2', 7_500)]);
  });
  it('is a no-op for a known refund id', () => {
    account
      .given([held('o-1', 10_000), refunded('o-1', 'r-1', 2_500)])
      .when(refund('o-1', 'r-1', 2_500))
      .thenNothing();
  });
  it('refuses more than the order’s escrow holds (escrow per order never negative)', () => {
    account
      .given([held('o-1', 10_000)])
      .when(refund('o-1', 'r-1', 10_001))
      .thenRefused('REFUND_EXCEEDS_ESCROW');
    account
      .given([held('o-1', 10_000), held('o-2', 10_000), refunded('o-1', 'r-1', 6_000)])
      .when(refund('o-1', 'r-2', 5_000))
      .thenRefused('REFUND_EXCEEDS_ESCROW');
  });
  it('refuses after release, for an unknown order, and on an empty account', () => {
    account
      .given(releasedHistory)
      .when(refund('o-1', 'r-1', 100))
      .thenRefused('ESCROW_ALREADY_RELEASED');
    account
      .given([held('o-1', 10_000)])
      .when(refund('o-9', 'r-1', 100))
      .thenRefused('ESCROW_NOT_FOUND');
    account
      .given([])
      .when(refund('o-1', 'r-1', 100))
      .thenRefused('ACCOUNT_NOT_FOUND');
  });
  it('refuses a zero, negative or fractional amount', () => {
    account
      .given([held('o-1', 10_000)])
      .when(refund('o-1', 'r-1', 0))
      .thenRefused('INVALID_AMOUNT');
    account
      .given([held('o-1', 10_000)])
      .when(refund('o-1', 'r-1', -1))
      .thenRefused('INVALID_AMOUNT');
    account
      .given([held('o-1', 10_000)])
      .when(refund('o-1', 'r-1', 0.1))
      .thenRefused('INVALID_AMOUNT');
  });
});

describe('ReleaseEscrow', () => {
  it('pays the seller the gross minus the fee; the fee goes to fee revenue', () => {
    account
      .given([held('o-1', 10_000)])
      .when(release('o-1'))
      .then([released('o-1', 10_000, 570)]);
    const state = fold(sellerAccountDecider, releasedHistory);
    expect(balances(state)).toEqual({
      buyerFunds: -10_000,
      escrow: 0,
      sellerAvailable: 9_430,
      payoutPending: 0,
      feeRevenue: 570,
      refunds: 0,
      payouts: 0,
    });
  });
  it('after a partial refund, releases and prices what is left', () => {
    // 7 500 left: 5 % = 375 + 70 = 445
    account
      .given([held('o-1', 10_000), refunded('o-1', 'r-1', 2_500)])
      .when(release('o-1'))
      .then([released('o-1', 7_500, 445)]);
  });
  it('clamps the fee to what is released; a zero fee leaves no posting', () => {
    account
      .given([held('o-1', 50)])
      .when(release('o-1'))
      .then([released('o-1', 50, 50)]);
    account
      .given([held('o-1', 50)])
      .when(release('o-1', { ...FEES, rateBasisPoints: 0, fixedMinor: 0 }))
      .then([released('o-1', 50, 0)]);
  });
  it('is a no-op once released', () => {
    account.given(releasedHistory).when(release('o-1')).thenNothing();
  });
  it('refuses a fully refunded escrow, an unknown order, an empty account', () => {
    account
      .given([held('o-1', 10_000), refunded('o-1', 'r-1', 10_000)])
      .when(release('o-1'))
      .thenRefused('ESCROW_EMPTY');
    account
      .given([held('o-1', 10_000)])
      .when(release('o-2'))
      .thenRefused('ESCROW_NOT_FOUND');
    account.given([]).when(release('o-1')).thenRefused('ACCOUNT_NOT_FOUND');
  });
  it('refuses an invalid fee schedule or one in another currency', () => {
    account
      .given([held('o-1', 10_000)])
      .when(release('o-1', { ...FEES, fixedMinor: -1 }))
      .thenRefused('INVALID_FEE_SCHEDULE');
    account
      .given([held('o-1', 10_000)])
      .when(release('o-1', { ...FEES, currency: 'USD' }))
      .thenRefused('FEE_CURRENCY_MISMATCH');
  });
});

describe('RequestPayout', () => {
  it('moves available funds to pending payout', () => {
    account
      .given(releasedHistory)
      .when(requestPayout('p-1', 9_430))
      .then([payoutRequested('p-1', 9_430)]);
  });
  it('is a no-op for the same payout id and amount', () => {
    account
      .given([...releasedHistory, payoutRequested('p-1', 5_000)])
      .when(requestPayout('p-1', 5_000))
      .thenNothing();
  });
  it('refuses another amount under the same id', () => {
    account
      .given([...releasedHistory, payoutRequested('p-1', 5_000)])
      .when(requestPayout('p-1', 4_000))
      .thenRefused('PAYOUT_CONFLICT');
  });
  it('refuses more than is available (escrow is not available)', () => {
    account
      .given(releasedHistory)
      .when(requestPayout('p-1', 9_431))
      .thenRefused('INSUFFICIENT_AVAILABLE_FUNDS');
    account
      .given([held('o-1', 10_000)])
      .when(requestPayout('p-1', 1))
      .thenRefused('INSUFFICIENT_AVAILABLE_FUNDS');
    account
      .given([...releasedHistory, payoutRequested('p-1', 9_000)])
      .when(requestPayout('p-2', 431))
      .thenRefused('INSUFFICIENT_AVAILABLE_FUNDS');
  });
  it('is only for the account owner', () => {
    account
      .given(releasedHistory)
      .when(requestPayout('p-1', 100, 'someone'))
      .thenRefused('NOT_ACCOUNT_OWNER');
  });
  it('refuses a zero, negative or fractional amount', () => {
    account.given(releasedHistory).when(requestPayout('p-1', 0)).thenRefused('INVALID_AMOUNT');
    account.given(releasedHistory).when(requestPayout('p-1', -5)).thenRefused('INVALID_AMOUNT');
    account.given(releasedHistory).when(requestPayout('p-1', 1.25)).thenRefused('INVALID_AMOUNT');
  });
  it('refuses on an empty account', () => {
    account.given([]).when(requestPayout('p-1', 1)).thenRefused('ACCOUNT_NOT_FOUND');
  });
});

describe('RecordPayoutPaid / RecordPayoutFailed', () => {
  const inFlight = [...releasedHistory, payoutRequested('p-1', 5_000)];
  const payoutPaid: SellerAccountEvent = {
    type: 'PayoutPaid',
    data: {
      sellerId: SELLER,
      currency: 'EUR',
      payoutId: 'p-1',
      amountMinor: 5_000,
      postings: [
        { account: 'payoutPending', amountMinor: -5_000 },
        { account: 'payouts', amountMinor: 5_000 },
      ],
      paidAt: at,
    },
  };
  const payoutFailed: SellerAccountEvent = {
    type: 'PayoutFailed',
    data: {
      sellerId: SELLER,
      currency: 'EUR',
      payoutId: 'p-1',
      amountMinor: 5_000,
      reason: 'bank rejected',
      postings: [
        { account: 'payoutPending', amountMinor: -5_000 },
        { account: 'sellerAvailable', amountMinor: 5_000 },
      ],
      failedAt: at,
    },
  };
  it('paid moves the money out to the seller’s bank', () => {
    account.given(inFlight).when(paid('p-1')).then([payoutPaid]);
    expect(balances(fold(sellerAccountDecider, [...inFlight, payoutPaid]))).toMatchObject({
      sellerAvailable: 4_430,
      payoutPending: 0,
      payouts: 5_000,
    });
  });
  it('failed makes the money available again', () => {
    account.given(inFlight).when(failed('p-1')).then([payoutFailed]);
    expect(balances(fold(sellerAccountDecider, [...inFlight, payoutFailed])).sellerAvailable).toBe(9_430);
  });
  it('are no-ops when repeated', () => {
    account
      .given([...inFlight, payoutPaid])
      .when(paid('p-1'))
      .thenNothing();
    account
      .given([...inFlight, payoutFailed])
      .when(failed('p-1'))
      .thenNothing();
  });
  it('refuse the opposite outcome once settled', () => {
    account
      .given([...inFlight, payoutPaid])
      .when(failed('p-1'))
      .thenRefused('PAYOUT_ALREADY_SETTLED');
    account
      .given([...inFlight, payoutFailed])
      .when(paid('p-1'))
      .thenRefused('PAYOUT_ALREADY_SETTLED');
  });
  it('refuse an unknown payout', () => {
    account.given(inFlight).when(paid('p-9')).thenRefused('PAYOUT_NOT_FOUND');
    account.given(inFlight).when(failed('p-9')).thenRefused('PAYOUT_NOT_FOUND');
    account.given([]).when(paid('p-1')).thenRefused('ACCOUNT_NOT_FOUND');
  });
});

describe('every command but HoldInEscrow', () => {
  /** The same command for seller-2 (who, for a payout, also asks for it), sent to seller-1's ledger. */
  const other = (command: SellerAccountCommand): SellerAccountCommand =>
    ({
      ...command,
      data: { ...command.data, sellerId: 'seller-2', ...('by' in command.data ? { by: 'seller-2' } : {}) },
    }) as SellerAccountCommand;
  const badAt = (command: SellerAccountCommand): SellerAccountCommand =>
    ({ ...command, data: { ...command.data, at: '2025-03-10' } }) as SellerAccountCommand;
  const commands = [
    refund('o-1', 'r-1', 100),
    release('o-1'),
    requestPayout('p-1', 100),
    paid('p-1'),
    failed('p-1'),
  ];
  it.each(commands.map((c) => [c.type, c] as const))(
    '%s is refused for another seller’s ledger or with a malformed instant',
    (_type, command) => {
      account.given(releasedHistory).when(other(command)).thenRefused('SELLER_MISMATCH');
      account.given(releasedHistory).when(badAt(command)).thenRefused('INVALID_INSTANT');
    },
  );
  it('refunds and payouts are refused in another currency than the ledger’s', () => {
    const usd = { amount: 100, currency: 'USD' as const };
    account
      .given([held('o-1', 10_000)])
      .when({
        type: 'RefundEscrow',
        data: { sellerId: SELLER, orderId: 'o-1', refundId: 'r-1', amount: usd, at },
      })
      .thenRefused('CURRENCY_MISMATCH');
    account
      .given(releasedHistory)
      .when({
        type: 'RequestPayout',
        data: { sellerId: SELLER, by: SELLER, payoutId: 'p-1', amount: usd, at },
      })
      .thenRefused('CURRENCY_MISMATCH');
  });
  it('empty refund or payout ids are refused', () => {
    account
      .given([held('o-1', 10_000)])
      .when(refund('o-1', '', 100))
      .thenRefused('INVALID_ID');
    account.given(releasedHistory).when(requestPayout('', 100)).thenRefused('INVALID_ID');
    account.given(releasedHistory).when(paid('')).thenRefused('INVALID_ID');
  });
  it('RecordPayoutFailed on an empty ledger is refused', () => {
    account.given([]).when(failed('p-1')).thenRefused('ACCOUNT_NOT_FOUND');
  });
});

describe('ledger', () => {
  it('every entry balances, and so do all balances', () => {
    const history = [
      ...releasedHistory,
      held('o-2', 3_000),
      refunded('o-2', 'r-1', 1_000),
      payoutRequested('p-1', 9_000),
    ];
    for (const event of history) expect(sumOfPostings(event.data.postings)).toBe(0);
    const state = fold(sellerAccountDecider, history);
    expect(Object.values(balances(state)).reduce((a, b) => a + b, 0)).toBe(0);
    expect(escrowBalance(state, 'o-2')).toBe(2_000);
    expect(escrowBalance(state, 'o-1')).toBe(0);
    expect(escrowBalance(state, 'o-404')).toBe(0);
  });
  it('treats ids such as __proto__ as plain keys', () => {
    account
      .given([])
      .when(hold('__proto__', 100))
      .then([held('__proto__', 100)]);
    account
      .given([held('__proto__', 100)])
      .when(hold('__proto__', 100))
      .thenNothing();
    account
      .given([held('o-1', 100)])
      .when(refund('constructor', 'r', 1))
      .thenRefused('ESCROW_NOT_FOUND');
  });
  it('evolve throws on an unbalanced or overdrawing entry (a corrupt history)', () => {
    const unbalanced: SellerAccountEvent = {
      ...held('o-1', 100),
      data: { ...held('o-1', 100).data, postings: [{ account: 'escrow', amountMinor: 100 }] },
    };
    expect(() => fold(sellerAccountDecider, [unbalanced])).toThrow('unbalanced');
    expect(() => fold(sellerAccountDecider, [held('o-1', 100), refunded('o-1', 'r', 101)])).toThrow(
      'negative',
    );
    expect(() => fold(sellerAccountDecider, [held('o-1', 100), payoutRequested('p', 1)])).toThrow('negative');
    expect(() => fold(sellerAccountDecider, [refunded('o-1', 'r', 1)])).toThrow('empty account');
  });
  it('evolve throws when an entry balances but disagrees with the event’s amounts', () => {
    const halfPosted: SellerAccountEvent = {
      ...held('o-1', 100),
      data: { ...held('o-1', 100).data, postings: held('o-1', 50).data.postings },
    };
    expect(() => fold(sellerAccountDecider, [halfPosted])).toThrow('disagree');
    const wrongSplit = released('o-1', 10_000, 570);
    const tampered: SellerAccountEvent = {
      ...wrongSplit,
      data: { ...wrongSplit.data, sellerNetMinor: 9_431 },
    };
    expect(() => fold(sellerAccountDecider, [held('o-1', 10_000), tampered])).toThrow();
    expect(() =>
      fold(sellerAccountDecider, [held('o-1', 100), refunded('o-1', 'r', 10), refunded('o-1', 'r', 10)]),
    ).toThrow('twice');
  });
});

/**
 * Money conservation across aggregates, for one order's whole life.
 *
 * A model-based property: random life paths (rejection, expiry, cancellation
 * by either side before or after payment, completion with or without a
 * delivery report, returns, refunds paid in several partial installments, a
 * duplicate capture the order refuses, every command possibly delivered twice)
 * drive the order and seller-account deciders the way the sagas will. At the
 * end, to the minor unit:
 *
 *     what the buyer paid = seller earnings + marketplace fees + refunds
 *
 * and nothing is left in escrow. The payment side is the real `paymentDecider`:
 * one payment stream per payment id, along the model flow (start, authorization,
 * capture request, capture) and refunds (request, outcome; a refund may fail
 * first and be retried under a new refund id); its captured and refunded
 * amounts are folded from its own events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROUNDING_RULES } from './fees/index.ts';
import type { FeeSchedule } from './fees/index.ts';
import type { OrderCancelled, OrderCommand, OrderEvent, OrderState, ReturnReceived } from './order/index.ts';
import { orderDecider } from './order/index.ts';
import type { PaymentCommand, PaymentEvent, PaymentState } from './payment/index.ts';
import { amounts, paymentDecider } from './payment/index.ts';
import type { SellerAccountEvent, SellerAccountState } from './seller-account/index.ts';
import { balances, escrowBalance, sellerAccountDecider, sumOfPostings } from './seller-account/index.ts';
import { addMillis, assertNever, fold } from './shared/index.ts';
import type { Decider } from './shared/index.ts';

const BUYER = 'buyer-1';
const SELLER = 'seller-1';
const ORDER = 'o-1';
const T0 = '2025-03-01T10:00:00.000Z';
const DAY = 86_400_000;
const t = (days: number): string => addMillis(T0, days * DAY);

// --- a stream driver: decide, fold, and optionally deliver each command twice -------

const stream = <C, E, S>(decider: Decider<C, E, S>, redeliver: boolean) => {
  let state = decider.initialState();
  const events: E[] = [];
  return {
    /** Sends a command that must be accepted; returns the events it recorded. */
    send(command: C): readonly E[] {
      const decision = decider.decide(command, state);
      if (!decision.ok) throw new Error(`refused ${JSON.stringify(command)}: ${decision.error.code}`);
      for (const event of decision.events) state = decider.evolve(state, event);
      events.push(...decision.events);
      if (redeliver) expect(decider.decide(command, state)).toEqual({ ok: true, events: [] });
      return decision.events;
    },
    /** Sends a command that must be refused with `code`. */
    refused(command: C, code: string): void {
      const decision = decider.decide(command, state);
      expect(decision.ok ? 'accepted' : decision.error.code).toBe(code);
    },
    state: (): S => state,
    events: (): readonly E[] => events,
  };
};

// --- the payment side: the payment decider, one stream per payment id ------------------

type PaymentTotals = { captured: number; refunded: number };
type PaymentStream = ReturnType<typeof stream<PaymentCommand, PaymentEvent, PaymentState>>;

const paymentSide = (redeliver: boolean) => {
  const payments = new Map<string, PaymentStream>();
  const eur = (amount: number) => ({ amount, currency: 'EUR' as const });
  const provider = (paymentId: string, what: string) => ({
    providerEventId: `evt-${paymentId}-${what}`,
    providerReference: `pi-${paymentId}`,
  });
  const existing = (paymentId: string): PaymentStream => {
    const payment = payments.get(paymentId);
    if (payment === undefined) throw new Error(`no payment ${paymentId}`);
    return payment;
  };
  return {
    /** Checkout along the model flow: started, authorized, capture requested, captured. */
    capture(paymentId: string, amount: number, at: string): void {
      expect(payments.has(paymentId)).toBe(false);
      const payment = stream(paymentDecider, redeliver);
      payments.set(paymentId, payment);
      const data = { paymentId, at };
      payment.send({ type: 'StartPayment', data: { ...data, orderId: ORDER, amount: eur(amount) } });
      payment.send({
        type: 'RecordAuthorization',
        data: { ...data, ...provider(paymentId, 'auth'), outcome: 'succeeded', amount: eur(amount) },
      });
      payment.send({ type: 'RequestCapture', data: { ...data, amount: eur(amount) } });
      payment.send({
        type: 'RecordCapture',
        data: { ...data, ...provider(paymentId, 'capture'), outcome: 'succeeded', amount: eur(amount) },
      });
    },
    /** One refund, asked for and reported succeeded by the provider; optionally a failed attempt first. */
    refund(paymentId: string, refundId: string, amount: number, at: string, failFirst = false): void {
      const payment = existing(paymentId);
      const data = { paymentId, amount: eur(amount), at };
      if (failFirst) {
        const attempt = `${refundId}-attempt-1`;
        payment.send({ type: 'RequestRefund', data: { ...data, refundId: attempt, reason: 'refund' } });
        payment.send({
          type: 'RecordRefund',
          data: {
            ...data,
            ...provider(paymentId, attempt),
            refundId: attempt,
            outcome: 'failed',
            reason: 'bank',
          },
        });
      }
      payment.send({ type: 'RequestRefund', data: { ...data, refundId, reason: 'refund' } });
      payment.send({
        type: 'RecordRefund',
        data: { ...data, ...provider(paymentId, refundId), refundId, outcome: 'succeeded' },
      });
    },
    totals(): PaymentTotals {
      let captured = 0;
      let refunded = 0;
      for (const payment of payments.values()) {
        const state = payment.state();
        expect(fold(paymentDecider, payment.events())).toEqual(state);
        captured += amounts(state).captured;
        refunded += amounts(state).refunded;
      }
      return { captured, refunded };
    },
  };
};

// --- random life paths ---------------------------------------------------------------

const PATHS = [
  'rejected',
  'expired',
  'seller_cancels_unpaid',
  'late_capture_after_expiry',
  'buyer_cancel_accepted_by_seller',
  'buyer_cancel_accepted_by_timer',
  'buyer_cancel_declined_then_completed',
  'seller_cancels_paid',
  'completed_by_buyer',
  'completed_before_delivery_report',
  'auto_completed',
  'returned',
] as const;
type Path = (typeof PATHS)[number];

const arbSchedule: fc.Arbitrary<FeeSchedule> = fc.record({
  id: fc.constantFrom('fees-2025-01', 'fees-promo'),
  rateBasisPoints: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 10_000 })),
  fixedMinor: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000 })),
  currency: fc.constant('EUR' as const),
  rounding: fc.constantFrom(...ROUNDING_RULES),
});

const arbLife = fc.record({
  lines: fc.array(
    fc.record({
      sku: fc.constantFrom('sku-a', 'sku-b', 'sku-c'),
      quantity: fc.integer({ min: 1, max: 5 }),
      price: fc.integer({ min: 1, max: 50_000 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  feeSchedule: arbSchedule,
  path: fc.constantFrom<Path>(...PATHS),
  /** Relative sizes of the partial refunds that together refund what is due. */
  installments: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 4 }),
  duplicateCapture: fc.boolean(),
  redeliver: fc.boolean(),
  /** The first attempt of every refund fails at the provider and is retried under a new refund id. */
  failFirstRefund: fc.boolean(),
});
type Life = typeof arbLife extends fc.Arbitrary<infer L> ? L : never;

/** Splits `total` into integer parts proportional to `weights` (the last takes the remainder); no zero parts. */
const split = (total: number, weights: readonly number[]): number[] => {
  const sum = weights.reduce((a, b) => a + b, 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  parts[parts.length - 1] = total - parts.slice(0, -1).reduce((a, b) => a + b, 0);
  return parts.filter((p) => p > 0);
};

type Outcome = {
  order: OrderState;
  account: SellerAccountState;
  orderEvents: readonly OrderEvent[];
  ledger: readonly SellerAccountEvent[];
  payments: PaymentTotals;
};

/** Drives one order's life through order + seller account (+ modelled payments), the way the sagas will. */
const live = (life: Life): Outcome => {
  const order = stream(orderDecider, life.redeliver);
  const account = stream(sellerAccountDecider, life.redeliver);
  const payments = paymentSide(life.redeliver);
  const o = { orderId: ORDER };
  const s = { sellerId: SELLER, orderId: ORDER };

  const placed = order.send({
    type: 'PlaceOrder',
    data: {
      orderId: ORDER,
      buyerId: BUYER,
      currency: 'EUR',
      lines: life.lines.map((l, i) => ({
        listingId: `l-${i}`,
        sku: l.sku,
        sellerId: SELLER,
        quantity: l.quantity,
        unitPrice: { amount: l.price, currency: 'EUR' },
      })),
      feeSchedule: life.feeSchedule,
      at: T0,
    },
  });
  const total = placed[0]?.type === 'OrderPlaced' ? placed[0].data.totalMinor : 0;

  if (life.path === 'rejected') {
    order.send({ type: 'RejectOrder', data: { ...o, reason: 'insufficient stock', at: T0 } });
    return finish();
  }
  order.send({ type: 'ConfirmStockReserved', data: { ...o, paymentDeadline: t(1), at: T0 } });

  /** Purchase saga: capture at the payment service, record it on the order, hold it in escrow. */
  const pay = (paymentId: string): boolean => {
    payments.capture(paymentId, total, t(0.5));
    const command: OrderCommand = {
      type: 'RecordPaymentCaptured',
      data: { ...o, paymentId, amount: { amount: total, currency: 'EUR' }, at: t(0.5) },
    };
    const decision = orderDecider.decide(command, order.state());
    if (!decision.ok) {
      // Refund saga: a capture the order cannot take is given back in full; it never reaches escrow.
      expect(decision.error.code).toBe('ORDER_NOT_PAYABLE');
      payments.refund(paymentId, `refund-unpayable-${paymentId}`, total, t(0.5), life.failFirstRefund);
      return false;
    }
    order.send(command);
    account.send({
      type: 'HoldInEscrow',
      data: { ...s, gross: { amount: total, currency: 'EUR' }, at: t(0.5) },
    });
    return true;
  };

  /** Refund saga: what the order says is due goes back in partial installments: payment, order, escrow. */
  const refundDue = (events: readonly OrderEvent[]) => {
    const due = events.find(
      (e): e is OrderCancelled | ReturnReceived => e.type === 'OrderCancelled' || e.type === 'ReturnReceived',
    );
    if (due === undefined) throw new Error('no refund due');
    if (due.data.paymentId === null) return;
    const paymentId = due.data.paymentId;
    split(due.data.refundDueMinor, life.installments).forEach((amount, i) => {
      const refundId = `refund-${i}`;
      payments.refund(paymentId, refundId, amount, t(20), life.failFirstRefund);
      order.send({
        type: 'RecordRefunded',
        data: { ...o, refundId, amount: { amount, currency: 'EUR' }, at: t(20) },
      });
      account.send({
        type: 'RefundEscrow',
        data: { ...s, refundId, amount: { amount, currency: 'EUR' }, at: t(20) },
      });
    });
  };

  /** Escrow-release saga: on completion, release with the schedule the order snapshotted. */
  const release = (events: readonly OrderEvent[]) => {
    const done = events.find((e) => e.type === 'OrderCompleted');
    if (done?.type !== 'OrderCompleted') throw new Error('not completed');
    account.send({
      type: 'ReleaseEscrow',
      data: { ...s, feeSchedule: done.data.feeSchedule, at: done.data.completedAt },
    });
  };

  const ship = () =>
    order.send({
      type: 'ShipOrder',
      data: { ...o, by: SELLER, carrier: 'DHL', trackingNumber: 'T-1', at: t(2) },
    });
  const deliver = () => order.send({ type: 'MarkDelivered', data: { ...o, at: t(4) } });
  const confirm = () => {
    release(order.send({ type: 'ConfirmReceipt', data: { ...o, by: BUYER, at: t(5) } }));
  };
  const askCancel = () =>
    order.send({
      type: 'RequestCancellation',
      data: { ...o, by: BUYER, reason: 'oops', answerDeadline: t(3), at: t(1) },
    });

  if (life.path === 'expired') {
    order.send({ type: 'ExpireOrder', data: { ...o, at: t(1) } });
    return finish();
  }
  if (life.path === 'late_capture_after_expiry') {
    order.send({ type: 'ExpireOrder', data: { ...o, at: t(1) } });
    expect(pay('pay-1')).toBe(false);
    return finish();
  }
  if (life.path === 'seller_cancels_unpaid') {
    refundDue(order.send({ type: 'CancelBySeller', data: { ...o, by: SELLER, reason: 'gone', at: t(0.1) } }));
    return finish();
  }

  expect(pay('pay-1')).toBe(true);
  if (life.duplicateCapture) expect(pay('pay-2')).toBe(false);

  switch (life.path) {
    case 'buyer_cancel_accepted_by_seller':
      askCancel();
      refundDue(order.send({ type: 'AcceptCancellation', data: { ...o, by: SELLER, at: t(2) } }));
      break;
    case 'buyer_cancel_accepted_by_timer':
      askCancel();
      order.refused(
        { type: 'AcceptCancellation', data: { ...o, by: 'system', at: t(2) } },
        'ANSWER_DEADLINE_NOT_REACHED',
      );
      refundDue(order.send({ type: 'AcceptCancellation', data: { ...o, by: 'system', at: t(3) } }));
      break;
    case 'buyer_cancel_declined_then_completed':
      askCancel();
      order.send({ type: 'DeclineCancellation', data: { ...o, by: SELLER, reason: 'packed', at: t(1.5) } });
      ship();
      deliver();
      confirm();
      break;
    case 'seller_cancels_paid':
      refundDue(
        order.send({ type: 'CancelBySeller', data: { ...o, by: SELLER, reason: 'broken', at: t(1) } }),
      );
      break;
    case 'completed_by_buyer':
      ship();
      deliver();
      confirm();
      break;
    case 'completed_before_delivery_report':
      ship();
      confirm();
      deliver(); // a late carrier webhook: a no-op
      break;
    case 'auto_completed':
      ship();
      deliver();
      order.refused(
        { type: 'AutoCompleteOrder', data: { ...o, completionWindowMillis: 3 * DAY, at: t(6) } },
        'COMPLETION_WINDOW_OPEN',
      );
      release(
        order.send({ type: 'AutoCompleteOrder', data: { ...o, completionWindowMillis: 3 * DAY, at: t(7) } }),
      );
      break;
    case 'returned':
      ship();
      deliver();
      order.send({
        type: 'RequestReturn',
        data: { ...o, by: BUYER, reason: 'damaged', returnWindowMillis: 14 * DAY, at: t(6) },
      });
      refundDue(order.send({ type: 'RecordReturnReceived', data: { ...o, by: SELLER, at: t(10) } }));
      break;
    default:
      return assertNever(life.path, 'life path');
  }
  return finish();

  function finish(): Outcome {
    return {
      order: order.state(),
      account: account.state(),
      orderEvents: order.events(),
      ledger: account.events(),
      payments: payments.totals(),
    };
  }
};

// --- the property ------------------------------------------------------------------------

describe('money conservation over one order’s life', () => {
  it('what the buyer paid = seller earnings + fees + refunds, to the minor unit; escrow ends empty', () => {
    fc.assert(
      fc.property(arbLife, (life) => {
        const outcome = live(life);
        const b = balances(outcome.account);
        const { captured, refunded } = outcome.payments;

        // Ledger view: everything that entered escrow left it to the seller, the fee, or a refund.
        for (const event of outcome.ledger) expect(sumOfPostings(event.data.postings)).toBe(0);
        expect(escrowBalance(outcome.account, ORDER)).toBe(0);
        expect(b.escrow).toBe(0);
        const sellerEarnings = b.sellerAvailable + b.payoutPending + b.payouts;
        const heldInEscrow = 0 - b.buyerFunds;
        expect(heldInEscrow).toBe(sellerEarnings + b.feeRevenue + b.refunds);

        // Across aggregates: captures that never reached escrow were refunded in full by the payment side.
        const refundedOutsideEscrow = refunded - b.refunds;
        expect(refundedOutsideEscrow).toBeGreaterThanOrEqual(0);
        expect(captured).toBe(sellerEarnings + b.feeRevenue + refunded);
        expect(captured - refunded).toBe(heldInEscrow - b.refunds);

        // The order agrees with the ledger.
        const orderRefunds = outcome.orderEvents
          .flatMap((e) => (e.type === 'OrderRefunded' ? [e.data.amountMinor] : []))
          .reduce((sum, amount) => sum + amount, 0);
        expect(orderRefunds).toBe(b.refunds);
        const state = outcome.order;
        if (state.status === 'completed') {
          expect(b.refunds).toBe(0);
          expect(sellerEarnings + b.feeRevenue).toBe(state.order.totalMinor);
        }
        if (state.status === 'refunded') expect(b.refunds).toBe(state.order.totalMinor);
        expect(['rejected', 'expired', 'cancelled', 'completed', 'refunded']).toContain(state.status);
        if (state.status === 'cancelled') expect(state.refund.dueMinor).toBe(0);
      }),
      { numRuns: 1_000 },
    );
  });

  it('covers every life path', () => {
    const seen = new Set(fc.sample(arbLife, 2_000).map((life) => life.path));
    expect([...seen].sort()).toEqual([...PATHS].sort());
  });

  it('a worked example: 2 × 12.50 + 9.90 at 5 % + 0.70, completed', () => {
    const outcome = live({
      lines: [
        { sku: 'sku-a', quantity: 2, price: 1_250 },
        { sku: 'sku-b', quantity: 1, price: 990 },
      ],
      feeSchedule: { id: 'f', rateBasisPoints: 500, fixedMinor: 70, currency: 'EUR', rounding: 'half-even' },
      path: 'completed_by_buyer',
      installments: [1],
      duplicateCapture: true,
      redeliver: true,
      failFirstRefund: false,
    });
    // 3 490 paid; fee = 174.5 → 174 (half-even) + 70 = 244; seller 3 246; the duplicate 3 490 refunded.
    expect(outcome.payments).toEqual({ captured: 6_980, refunded: 3_490 });
    expect(balances(outcome.account)).toMatchObject({ sellerAvailable: 3_246, feeRevenue: 244, refunds: 0 });
  });

  it('a worked example: a returned order refunded in three installments', () => {
    const outcome = live({
      lines: [{ sku: 'sku-a', quantity: 1, price: 1_001 }],
      feeSchedule: { id: 'f', rateBasisPoints: 500, fixedMinor: 70, currency: 'EUR', rounding: 'half-up' },
      path: 'returned',
      installments: [1, 1, 1],
      duplicateCapture: false,
      redeliver: false,
      failFirstRefund: true,
    });
    expect(outcome.ledger.filter((e) => e.type === 'EscrowRefunded').map((e) => e.data)).toMatchObject([
      { amountMinor: 333 },
      { amountMinor: 333 },
      { amountMinor: 335 },
    ]);
    expect(outcome.order.status).toBe('refunded');
    // the failed first attempts changed no amount on the payment
    expect(outcome.payments).toEqual({ captured: 1_001, refunded: 1_001 });
    expect(balances(outcome.account)).toMatchObject({
      escrow: 0,
      sellerAvailable: 0,
      feeRevenue: 0,
      refunds: 1_001,
    });
  });
});

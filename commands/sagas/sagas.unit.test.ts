import { describe, expect, it } from 'vitest';
import {
  awaitingHistory,
  cancellationRequested,
  delivered,
  FEES,
  ORDER_ID,
  orderPaid,
  orderPlaced,
  paidHistory,
  placedHistory,
  returnReceived,
  SELLER,
  stockReserved,
  TOTAL,
} from '../../domain/order/fixtures.ts';
import { evolve as evolveListing, initialState as noListing } from '../../domain/listing/index.ts';
import type { ListingEvent, ListingState } from '../../domain/listing/index.ts';
import { evolve, initialState } from '../../domain/order/index.ts';
import type { OrderEvent, OrderPlaced, OrderState } from '../../domain/order/index.ts';
import type { PaymentAuthorized, PaymentCaptured, PaymentRefunded } from '../../domain/payment/events.ts';
import type { RecordedEvent } from '../../infra/event-store/port.ts';
import { loadConfig, parseIsoDuration } from '../../infra/config.ts';
import type { Reply } from '../envelope.ts';
import { isDomainRefusal } from './commands.ts';
import {
  autoCompletion,
  cancellationAnswerDeadline,
  deadlinesEndedBy,
  paymentDeadline,
  shipByDeadline,
} from './deadlines.ts';
import { boundedId, reservationIdOf } from './ids.ts';
import { foldListingUntil } from './listing-view.ts';
import { foldOrderUntil } from './order-view.ts';
import { sagaCommandId, timerId } from './process-manager.ts';
import {
  afterReservations,
  checkListings,
  commitCommands,
  refundRefusedCapture,
  releaseCommands,
  reserveCommands,
  settleAuthorization,
} from './purchase.ts';
import { afterRefund, holdInEscrow, refundCancelledOrder, releaseEscrow } from './settlement.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const windows = {
  paymentMs: 30 * MINUTE,
  shipByMs: 5 * DAY,
  cancellationAnswerMs: 2 * DAY,
  autoCompleteMs: 7 * DAY,
  returnMs: 14 * DAY,
};
const fold = (events: readonly OrderEvent[]): OrderState => events.reduce(evolve, initialState());

const accepted = (commandId: string): Reply => ({
  status: 'accepted',
  commandId,
  streamId: 's',
  revision: 0,
  position: '1:1',
  events: [],
});
const refusedWith = (code: string): Reply => ({
  status: 'refused',
  commandId: 'c',
  code,
  message: 'not enough',
});

/** Two lines of one SKU and one of another. */
const placedWithRepeatedSku: OrderPlaced['data'] = {
  ...orderPlaced.data,
  lines: [
    ...orderPlaced.data.lines,
    { listingId: 'l-3', sku: 'sku-a', quantity: 3, unitPriceMinor: 100, lineTotalMinor: 300 },
  ],
  totalMinor: orderPlaced.data.totalMinor + 300,
};

/** Listing events for `orderPlaced`'s line `l-1` (sku-a, 12.50 EUR, SELLER). */
const created: ListingEvent = {
  type: 'ListingCreated',
  data: {
    listingId: 'l-1',
    sellerId: SELLER,
    title: 'Jacket',
    price: { amount: 1_250, currency: 'EUR', currencyExponent: 2 },
    sku: 'sku-a',
    at: 'T0',
  },
};
const published: ListingEvent = {
  type: 'ListingPublished',
  data: { listingId: 'l-1', by: SELLER, at: 'T1' },
};
const listingOf = (...events: ListingEvent[]): ListingState => events.reduce(evolveListing, noListing());
/** `l-2` (sku-b, 9.90 EUR) active, `l-1` as given. */
const listings = (l1: ListingState): ReadonlyMap<string, ListingState> =>
  new Map([
    ['l-1', l1],
    [
      'l-2',
      listingOf(
        {
          type: 'ListingCreated',
          data: {
            ...created.data,
            listingId: 'l-2',
            sku: 'sku-b',
            price: { amount: 990, currency: 'EUR', currencyExponent: 2 },
          },
        },
        { type: 'ListingPublished', data: { listingId: 'l-2', by: SELLER, at: 'T1' } },
      ),
    ],
  ]);
const reasonOf = (l1: ListingState): string | undefined =>
  (checkListings(orderPlaced.data, listings(l1))?.data as { reason?: string } | undefined)?.reason;

describe('purchase saga: the order against its listings', () => {
  it('lets an order through when every line matches its active listing', () => {
    expect(checkListings(orderPlaced.data, listings(listingOf(created, published)))).toBeNull();
  });

  it('rejects a line of a withdrawn, draft or unknown listing, before any reservation', () => {
    const withdrawn = listingOf(created, published, {
      type: 'ListingWithdrawn',
      data: { listingId: 'l-1', by: SELLER, at: 'T2' },
    });
    const rejection = checkListings(orderPlaced.data, listings(withdrawn));
    expect(rejection).toEqual({
      key: 'reject',
      name: 'order.reject',
      data: {
        orderId: ORDER_ID,
        reason: 'LISTING_NOT_ACTIVE for listing l-1: listing is withdrawn',
        at: orderPlaced.data.placedAt,
      },
    });
    expect(reasonOf(listingOf(created))).toBe('LISTING_NOT_ACTIVE for listing l-1: listing is draft');
    expect(reasonOf(noListing())).toBe('LISTING_NOT_ACTIVE for listing l-1: listing does not exist');
  });

  it('rejects a stale price, another SKU or another seller', () => {
    const repriced = listingOf(created, published, {
      type: 'ListingPriceChanged',
      data: {
        listingId: 'l-1',
        price: { amount: 1_500, currency: 'EUR', currencyExponent: 2 },
        previousAmount: 1_250,
        by: SELLER,
        at: 'T2',
      },
    });
    expect(reasonOf(repriced)).toBe(
      'PRICE_CHANGED for listing l-1: it costs 1500 EUR (minor units), the order says 1250 EUR',
    );
    const otherSku = listingOf({ ...created, data: { ...created.data, sku: 'sku-z' } }, published);
    expect(reasonOf(otherSku)).toBe('LISTING_MISMATCH for listing l-1: it sells SKU sku-z, not sku-a');
    const otherSeller = listingOf(
      { ...created, data: { ...created.data, sellerId: 'someone-else' } },
      { ...published, data: { listingId: 'l-1', by: 'someone-else', at: 'T1' } },
    );
    expect(reasonOf(otherSeller)).toBe(
      `LISTING_MISMATCH for listing l-1: its seller is someone-else, not ${SELLER}`,
    );
  });

  it('folds the listing only up to the position of the OrderPlaced', () => {
    const log = [
      created,
      published,
      { type: 'ListingWithdrawn', data: { listingId: 'l-1', by: SELLER, at: 'T2' } },
    ].map((event, i): RecordedEvent => ({
      eventId: `l${String(i)}`,
      streamId: 'listing-l-1',
      revision: i,
      position: { commit: 10 * (i + 1), prepare: 0 },
      type: event.type,
      data: event.data,
      metadata: { correlationId: null, causationId: null, commandId: null, actor: null },
      schemaVersion: 1,
      recordedAt: 'T',
      hash: '',
    }));
    expect(foldListingUntil(log, { commit: 25, prepare: 0 }).status).toBe('active');
    expect(foldListingUntil(log, { commit: 30, prepare: 0 }).status).toBe('withdrawn');
    expect(foldListingUntil(log, { commit: 5, prepare: 0 }).status).toBe('none');
  });
});

describe('purchase saga steps', () => {
  it('reserves each SKU once, for the sum of its lines, with deterministic ids and a far enough expiry', () => {
    const reserves = reserveCommands(placedWithRepeatedSku, windows);
    expect(reserves.map((c) => [c.name, c.key, c.data])).toEqual([
      [
        'inventory.reserve',
        'reserve:sku-a',
        {
          sku: 'sku-a',
          reservationId: `${ORDER_ID}:sku-a`,
          orderId: ORDER_ID,
          quantity: 5,
          expiresAt: '2025-03-06T10:30:00.000Z',
          at: orderPlaced.data.placedAt,
        },
      ],
      [
        'inventory.reserve',
        'reserve:sku-b',
        {
          sku: 'sku-b',
          reservationId: `${ORDER_ID}:sku-b`,
          orderId: ORDER_ID,
          quantity: 1,
          expiresAt: '2025-03-06T10:30:00.000Z',
          at: orderPlaced.data.placedAt,
        },
      ],
    ]);
    expect(reserveCommands(placedWithRepeatedSku, windows)).toEqual(reserves);
  });

  it('confirms with the payment deadline when every SKU is reserved, rejects with the first refusal otherwise', () => {
    const reserves = reserveCommands(orderPlaced.data, windows);
    expect(afterReservations(orderPlaced.data, windows, reserves, [accepted('a'), accepted('b')])).toEqual({
      key: 'confirm',
      name: 'order.confirm-stock-reserved',
      data: { orderId: ORDER_ID, paymentDeadline: '2025-03-01T10:30:00.000Z', at: orderPlaced.data.placedAt },
    });
    const reject = afterReservations(orderPlaced.data, windows, reserves, [
      accepted('a'),
      refusedWith('INSUFFICIENT_STOCK'),
    ]);
    expect(reject).toMatchObject({
      key: 'reject',
      name: 'order.reject',
      data: { orderId: ORDER_ID, reason: 'INSUFFICIENT_STOCK for SKU sku-b: not enough' },
    });
  });

  it('releases and commits the reservations of every SKU', () => {
    const order = fold(placedHistory);
    if (order.status === 'initial') throw new Error('placed');
    expect(releaseCommands(order.order, 'order expired', 'T').map((c) => c.data)).toEqual([
      { sku: 'sku-a', reservationId: `${ORDER_ID}:sku-a`, reason: 'order expired', at: 'T' },
      { sku: 'sku-b', reservationId: `${ORDER_ID}:sku-b`, reason: 'order expired', at: 'T' },
    ]);
    expect(commitCommands(order.order, 'T').map((c) => [c.name, c.data])).toEqual([
      ['inventory.commit', { sku: 'sku-a', reservationId: `${ORDER_ID}:sku-a`, at: 'T' }],
      ['inventory.commit', { sku: 'sku-b', reservationId: `${ORDER_ID}:sku-b`, at: 'T' }],
    ]);
  });

  const authorized = (amountMinor: number): PaymentAuthorized['data'] => ({
    paymentId: 'pay-1',
    orderId: ORDER_ID,
    amountMinor,
    currency: 'EUR',
    authorizedAt: '2025-03-01T10:01:00.000Z',
    providerEventId: 'evt-1',
    providerReference: 'ref-1',
  });

  it('captures an authorization covering an order awaiting payment, and voids any other', () => {
    expect(settleAuthorization(authorized(TOTAL), fold(awaitingHistory))).toEqual({
      key: 'settle',
      name: 'payment.request-capture',
      data: {
        paymentId: 'pay-1',
        amount: { amount: TOTAL, currency: 'EUR' },
        at: '2025-03-01T10:01:00.000Z',
      },
    });
    for (const [amount, history] of [
      [TOTAL - 1, awaitingHistory],
      [TOTAL, placedHistory],
      [TOTAL, paidHistory],
      [TOTAL, []],
    ] as const) {
      const step = settleAuthorization(authorized(amount), fold(history));
      expect(step).toMatchObject({
        key: 'settle',
        name: 'payment.request-void',
        data: { paymentId: 'pay-1' },
      });
    }
  });

  it('refunds a capture the order refused, once per capture event', () => {
    const captured: PaymentCaptured['data'] = {
      ...authorized(TOTAL),
      capturedTotalMinor: TOTAL,
      capturedAt: '2025-03-01T11:00:00.000Z',
    };
    const refund = refundRefusedCapture(captured, 'event-1', 'ORDER_NOT_PAYABLE');
    expect(refund).toMatchObject({
      name: 'payment.request-refund',
      data: {
        paymentId: 'pay-1',
        refundId: 'auto-refund:event-1',
        amount: { amount: TOTAL, currency: 'EUR' },
      },
    });
    expect(isDomainRefusal(refusedWith('ORDER_NOT_PAYABLE'))).toBe(true);
    expect(isDomainRefusal(refusedWith('VALIDATION_FAILED'))).toBe(false);
    expect(isDomainRefusal(accepted('x'))).toBe(false);
  });
});

describe('settlement saga steps', () => {
  it('holds the paid amount in the seller escrow and releases it with the order fee schedule', () => {
    expect(holdInEscrow(orderPaid.data, SELLER).data).toEqual({
      sellerId: SELLER,
      orderId: ORDER_ID,
      gross: { amount: TOTAL, currency: 'EUR' },
      at: orderPaid.data.paidAt,
    });
    expect(
      releaseEscrow({
        orderId: ORDER_ID,
        how: 'auto_completed',
        completedAt: 'T',
        sellerId: SELLER,
        feeSchedule: FEES,
      }).data,
    ).toEqual({ sellerId: SELLER, orderId: ORDER_ID, feeSchedule: FEES, at: 'T' });
  });

  it('refunds a cancelled order only when it was paid', () => {
    const cancelled = {
      orderId: ORDER_ID,
      initiatedBy: 'buyer' as const,
      cancelledBy: SELLER,
      reason: 'r',
      refundDueMinor: TOTAL,
      currency: 'EUR' as const,
      paymentId: 'pay-1',
      cancelledAt: 'T',
    };
    expect(refundCancelledOrder(cancelled)?.data).toMatchObject({
      paymentId: 'pay-1',
      refundId: `${ORDER_ID}:cancel-refund`,
      amount: { amount: TOTAL, currency: 'EUR' },
    });
    expect(refundCancelledOrder({ ...cancelled, paymentId: null, refundDueMinor: 0 })).toBeNull();
  });

  it('records a refund on the order and in the escrow only when the order owes it', () => {
    const refunded: PaymentRefunded['data'] = {
      paymentId: 'pay-1',
      orderId: ORDER_ID,
      refundId: `${ORDER_ID}:return-refund`,
      amountMinor: TOTAL,
      currency: 'EUR',
      refundedTotalMinor: TOTAL,
      refundedAt: 'T',
      providerEventId: 'e',
      providerReference: 'r',
    };
    const owed = fold([
      ...paidHistory,
      {
        type: 'OrderShipped',
        data: { orderId: ORDER_ID, carrier: 'c', trackingNumber: 't', shippedAt: 'T' },
      },
      delivered,
      { type: 'ReturnRequested', data: { orderId: ORDER_ID, reason: 'r', requestedAt: 'T' } },
      returnReceived,
    ]);
    expect(afterRefund(refunded, owed).map((c) => [c.name, c.data])).toEqual([
      [
        'order.record-refunded',
        {
          orderId: ORDER_ID,
          refundId: refunded.refundId,
          amount: { amount: TOTAL, currency: 'EUR' },
          at: 'T',
        },
      ],
      [
        'seller.refund-escrow',
        {
          sellerId: SELLER,
          orderId: ORDER_ID,
          refundId: refunded.refundId,
          amount: { amount: TOTAL, currency: 'EUR' },
          at: 'T',
        },
      ],
    ]);
    // An expired order never held escrow: the refund of its capture is not the order's.
    expect(afterRefund(refunded, fold(awaitingHistory))).toEqual([]);
    expect(afterRefund({ ...refunded, paymentId: 'pay-2' }, owed)).toEqual([]);
  });
});

describe('deadline timers', () => {
  it('sets each deadline at its time, with the command the order expects then', () => {
    expect(paymentDeadline(stockReserved.data)).toEqual({
      key: `pay:${ORDER_ID}`,
      dueAt: stockReserved.data.paymentDeadline,
      command: { name: 'order.expire', data: { orderId: ORDER_ID, at: stockReserved.data.paymentDeadline } },
    });
    expect(shipByDeadline(orderPaid.data, SELLER, windows)).toMatchObject({
      key: `ship:${ORDER_ID}`,
      dueAt: '2025-03-06T10:05:00.000Z',
      command: {
        name: 'order.cancel-by-seller',
        data: { orderId: ORDER_ID, by: SELLER, at: '2025-03-06T10:05:00.000Z' },
      },
    });
    expect(cancellationAnswerDeadline(cancellationRequested.data)).toMatchObject({
      dueAt: cancellationRequested.data.answerDeadline,
      command: { name: 'order.accept-cancellation', data: { orderId: ORDER_ID, by: 'system' } },
    });
    expect(autoCompletion(delivered.data, windows)).toMatchObject({
      key: `complete:${ORDER_ID}`,
      dueAt: '2025-03-11T12:00:00.000Z',
      command: {
        name: 'order.auto-complete',
        data: { completionWindowMillis: 7 * DAY, at: '2025-03-11T12:00:00.000Z' },
      },
    });
  });

  it('ends the deadlines each event makes moot', () => {
    expect(deadlinesEndedBy('OrderPaid', 'o')).toEqual(['pay:o']);
    expect(deadlinesEndedBy('OrderShipped', 'o')).toEqual(['ship:o']);
    expect(deadlinesEndedBy('OrderCancelled', 'o')).toEqual(['pay:o', 'ship:o', 'answer:o']);
    expect(deadlinesEndedBy('ReturnRequested', 'o')).toEqual(['complete:o']);
    expect(deadlinesEndedBy('OrderDelivered', 'o')).toEqual([]);
  });

  it('keeps every timer id a valid command id, even for the longest order id', () => {
    const longest = `o${'x'.repeat(99)}`;
    for (const key of ['pay', 'ship', 'answer', 'complete'])
      expect(timerId('deadlines', `${key}:${longest}`)).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/);
  });
});

describe('ids and the order view', () => {
  it('bounds ids: readable when short, a digest when too long', () => {
    expect(reservationIdOf('o-1', 'sku-a')).toBe('o-1:sku-a');
    const long = reservationIdOf('o'.repeat(80), 's'.repeat(80));
    expect(long).toMatch(/^h:[A-Za-z0-9_-]{43}$/);
    expect(reservationIdOf('o'.repeat(80), 's'.repeat(80))).toBe(long);
    expect(boundedId('a', 'b')).not.toBe(boundedId('a', 'c'));
    expect(sagaCommandId('purchase', 'event-1', 'reserve:a')).toBe(
      sagaCommandId('purchase', 'event-1', 'reserve:a'),
    );
    expect(sagaCommandId('purchase', 'event-1', 'reserve:a')).not.toBe(
      sagaCommandId('purchase', 'event-2', 'reserve:a'),
    );
  });

  it('folds the order only up to a position of the log', () => {
    const recorded = (event: OrderEvent, commit: number): RecordedEvent => ({
      eventId: `e${commit}`,
      streamId: `order-${ORDER_ID}`,
      revision: commit,
      position: { commit, prepare: commit },
      type: event.type,
      data: event.data,
      metadata: { correlationId: null, causationId: null, commandId: null, actor: null },
      schemaVersion: 1,
      recordedAt: 'T',
      hash: '',
    });
    const log = paidHistory.map((event, i) => recorded(event, i + 1));
    expect(foldOrderUntil(log, { commit: 2, prepare: 2 }).status).toBe('awaiting_payment');
    expect(foldOrderUntil(log, { commit: 9, prepare: 0 }).status).toBe('paid');
    expect(foldOrderUntil(log, { commit: 0, prepare: 0 }).status).toBe('initial');
  });
});

describe('windows configuration', () => {
  it('reads ISO-8601 durations of days, hours, minutes and seconds', () => {
    expect(parseIsoDuration('PT30M')).toBe(30 * MINUTE);
    expect(parseIsoDuration('P1DT12H')).toBe(1.5 * DAY);
    expect(parseIsoDuration('PT0.5S')).toBe(500);
    for (const bad of ['P', 'PT', '30M', 'P1M', 'P1W', 'PT-1S', '']) expect(parseIsoDuration(bad)).toBeNull();
    expect(loadConfig({}).windows).toEqual(windows);
    expect(loadConfig({ PAYMENT_WINDOW: 'PT2S' }).windows.paymentMs).toBe(2000);
    expect(() => loadConfig({ AUTO_COMPLETE_WINDOW: 'P1M' })).toThrow(/AUTO_COMPLETE_WINDOW/);
    expect(() => loadConfig({ COMMAND_SUBJECT_PREFIX: 'a.>' })).toThrow(/COMMAND_SUBJECT_PREFIX/);
  });
});

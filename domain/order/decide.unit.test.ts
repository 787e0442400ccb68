import { describe, expect, it } from 'vitest';
import { fold } from '../shared/index.ts';
import { spec } from '../shared/spec.ts';
import {
  AFTER_DEADLINE,
  awaitingHistory,
  BUYER,
  cancellationRequested,
  DAY,
  DEADLINE,
  delivered,
  DELIVERED_AT,
  deliveredHistory,
  FEES,
  ORDER_ID,
  orderPaid,
  orderPlaced,
  paidHistory,
  placedHistory,
  placeOrder,
  returnReceived,
  returnRequested,
  SELLER,
  SHIPPED_AT,
  shipped,
  shippedHistory,
  stockReserved,
  T0,
  T1,
  TOTAL,
} from './fixtures.ts';
import type { OrderCancelled, OrderCommand, OrderEvent, OrderRefunded, PlaceOrder } from './index.ts';
import { category, MAX_WINDOW_MILLIS, orderDecider, reservationsBySku, streamId } from './index.ts';

const order = spec(orderDecider);
const at = '2025-03-10T00:00:00.000Z';

const cancelled = (
  initiatedBy: 'buyer' | 'seller',
  cancelledBy: string,
  reason: string,
  paid = true,
  cancelledAt = at,
): OrderCancelled => ({
  type: 'OrderCancelled',
  data: {
    orderId: ORDER_ID,
    initiatedBy,
    cancelledBy,
    reason,
    refundDueMinor: paid ? TOTAL : 0,
    currency: 'EUR',
    paymentId: paid ? 'pay-1' : null,
    cancelledAt,
  },
});
const refunded = (refundId: string, amountMinor: number, totalRefundedMinor: number): OrderEvent => ({
  type: 'OrderRefunded',
  data: {
    orderId: ORDER_ID,
    refundId,
    amountMinor,
    currency: 'EUR',
    totalRefundedMinor,
    fullyRefunded: totalRefundedMinor === TOTAL,
    refundedAt: at,
  },
});
const completed = (how: 'confirmed_by_buyer' | 'auto_completed', completedAt = at): OrderEvent => ({
  type: 'OrderCompleted',
  data: { orderId: ORDER_ID, how, completedAt, sellerId: SELLER, feeSchedule: FEES },
});
const buyerCancelledHistory = [
  ...paidHistory,
  cancellationRequested,
  cancelled('buyer', SELLER, 'cancellation requested by the buyer'),
];
const returnReceivedHistory = [...deliveredHistory, returnRequested, returnReceived];

const place = (patch: Partial<PlaceOrder['data']>): PlaceOrder => ({
  ...placeOrder,
  data: { ...placeOrder.data, ...patch },
});
const line = (patch: Partial<PlaceOrder['data']['lines'][number]>) => ({
  listingId: 'l-9',
  sku: 'sku-z',
  sellerId: SELLER,
  quantity: 1,
  unitPrice: { amount: 100, currency: 'EUR' as const },
  ...patch,
});

describe('order stream', () => {
  it('is order-<id>', () => {
    expect(category).toBe('order');
    expect(streamId('o-1')).toBe('order-o-1');
  });
});

describe('PlaceOrder', () => {
  it('places an order with totals and the fee schedule snapshot', () => {
    order.given([]).when(placeOrder).then([orderPlaced]);
  });
  it('is a no-op when the same order is placed again', () => {
    order.given(placedHistory).when(placeOrder).thenNothing();
    order.given(paidHistory).when(placeOrder).thenNothing();
  });
  it('refuses other details under an existing id', () => {
    order
      .given(placedHistory)
      .when(place({ buyerId: 'buyer-2' }))
      .thenRefused('ORDER_ALREADY_EXISTS');
  });
  it('refuses an order without lines', () => {
    order
      .given([])
      .when(place({ lines: [] }))
      .thenRefused('NO_LINES');
  });
  it('refuses lines from several sellers (a cross-seller basket is several orders)', () => {
    order
      .given([])
      .when(place({ lines: [...placeOrder.data.lines, line({ sellerId: 'seller-2' })] }))
      .thenRefused('MIXED_SELLERS');
  });
  it('refuses lines in another currency', () => {
    order
      .given([])
      .when(place({ lines: [line({ unitPrice: { amount: 100, currency: 'USD' } })] }))
      .thenRefused('MIXED_CURRENCIES');
  });
  it('refuses an unknown currency', () => {
    order
      .given([])
      .when(place({ currency: 'XXX' as never }))
      .thenRefused('INVALID_CURRENCY');
  });
  it.each([0, -1, 1.5, Number.NaN])('refuses quantity %s', (quantity) => {
    order
      .given([])
      .when(place({ lines: [line({ quantity })] }))
      .thenRefused('INVALID_QUANTITY');
  });
  it.each([-1, 0.5, Number.POSITIVE_INFINITY])('refuses unit price %s', (amount) => {
    order
      .given([])
      .when(place({ lines: [line({ unitPrice: { amount, currency: 'EUR' } })] }))
      .thenRefused('INVALID_AMOUNT');
  });
  it('refuses a zero total and a total too large to be exact', () => {
    order
      .given([])
      .when(place({ lines: [line({ unitPrice: { amount: 0, currency: 'EUR' } })] }))
      .thenRefused('INVALID_AMOUNT');
    order
      .given([])
      .when(
        place({
          lines: [line({ quantity: 3, unitPrice: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' } })],
        }),
      )
      .thenRefused('INVALID_AMOUNT');
  });
  it('refuses lines without ids', () => {
    order
      .given([])
      .when(place({ lines: [line({ sku: '' })] }))
      .thenRefused('INVALID_LINE');
  });
  it('refuses a buyer buying from themselves', () => {
    order
      .given([])
      .when(place({ buyerId: SELLER }))
      .thenRefused('BUYER_IS_SELLER');
  });
  it('refuses an invalid fee schedule or one in another currency', () => {
    order
      .given([])
      .when(place({ feeSchedule: { ...FEES, rateBasisPoints: -5 } }))
      .thenRefused('INVALID_FEE_SCHEDULE');
    order
      .given([])
      .when(place({ feeSchedule: { ...FEES, currency: 'USD' } }))
      .thenRefused('FEE_CURRENCY_MISMATCH');
  });
  it('refuses a malformed instant', () => {
    order
      .given([])
      .when(place({ at: 'yesterday' }))
      .thenRefused('INVALID_INSTANT');
  });
});

describe('reservationsBySku', () => {
  it('sums several lines of one SKU', () => {
    const placed = order
      .given([])
      .when(
        place({
          lines: [line({ sku: 'a', quantity: 2 }), line({ sku: 'b' }), line({ sku: 'a', quantity: 3 })],
        }),
      )
      .then([
        {
          type: 'OrderPlaced',
          data: {
            ...orderPlaced.data,
            lines: [
              { listingId: 'l-9', sku: 'a', quantity: 2, unitPriceMinor: 100, lineTotalMinor: 200 },
              { listingId: 'l-9', sku: 'b', quantity: 1, unitPriceMinor: 100, lineTotalMinor: 100 },
              { listingId: 'l-9', sku: 'a', quantity: 3, unitPriceMinor: 100, lineTotalMinor: 300 },
            ],
            totalMinor: 600,
          },
        },
      ]);
    if (!placed.ok || placed.events[0]?.type !== 'OrderPlaced') throw new Error('not placed');
    const event = placed.events[0];
    expect([...reservationsBySku(event.data)]).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
    expect(reservationsBySku(fold(orderDecider, placed.events))).toEqual(reservationsBySku(event.data));
    expect(reservationsBySku(orderDecider.initialState()).size).toBe(0);
  });
});

describe('commands before placement', () => {
  it('are refused with ORDER_NOT_FOUND', () => {
    order
      .given([])
      .when({ type: 'ExpireOrder', data: { orderId: ORDER_ID, at } })
      .thenRefused('ORDER_NOT_FOUND');
  });
  it('are refused when sent to another order', () => {
    order
      .given(placedHistory)
      .when({ type: 'ExpireOrder', data: { orderId: 'o-2', at } })
      .thenRefused('ORDER_ID_MISMATCH');
  });
});

describe('ConfirmStockReserved', () => {
  const confirm: OrderCommand = {
    type: 'ConfirmStockReserved',
    data: { orderId: ORDER_ID, paymentDeadline: DEADLINE, at: T0 },
  };
  it('awaits payment until the deadline', () => {
    order.given(placedHistory).when(confirm).then([stockReserved]);
  });
  it('is a no-op when repeated with the same deadline', () => {
    order.given(awaitingHistory).when(confirm).thenNothing();
  });
  it('is refused with another deadline, or after payment', () => {
    order
      .given(awaitingHistory)
      .when({
        type: 'ConfirmStockReserved',
        data: { orderId: ORDER_ID, paymentDeadline: AFTER_DEADLINE, at: T0 },
      })
      .thenRefused('ORDER_NOT_PLACED');
    order.given(paidHistory).when(confirm).thenRefused('ORDER_NOT_PLACED');
  });
  it('refuses a deadline that is not after now', () => {
    order
      .given(placedHistory)
      .when({ type: 'ConfirmStockReserved', data: { orderId: ORDER_ID, paymentDeadline: T0, at: T0 } })
      .thenRefused('INVALID_DEADLINE');
    order
      .given(placedHistory)
      .when({ type: 'ConfirmStockReserved', data: { orderId: ORDER_ID, paymentDeadline: 'soon', at: T0 } })
      .thenRefused('INVALID_INSTANT');
  });
});

describe('RejectOrder', () => {
  const reject: OrderCommand = {
    type: 'RejectOrder',
    data: { orderId: ORDER_ID, reason: 'insufficient stock: sku-a', at: T0 },
  };
  const rejected: OrderEvent = {
    type: 'OrderRejected',
    data: { orderId: ORDER_ID, reason: 'insufficient stock: sku-a', rejectedAt: T0 },
  };
  it('rejects a placed order', () => {
    order.given(placedHistory).when(reject).then([rejected]);
  });
  it('is a no-op once rejected', () => {
    order
      .given([...placedHistory, rejected])
      .when(reject)
      .thenNothing();
  });
  it('is refused once stock is confirmed', () => {
    order.given(awaitingHistory).when(reject).thenRefused('ORDER_NOT_PLACED');
  });
});

describe('RecordPaymentCaptured', () => {
  const capture = (amount = TOTAL, paymentId = 'pay-1'): OrderCommand => ({
    type: 'RecordPaymentCaptured',
    data: { orderId: ORDER_ID, paymentId, amount: { amount, currency: 'EUR' }, at: T1 },
  });
  it('pays an order awaiting payment', () => {
    order.given(awaitingHistory).when(capture()).then([orderPaid]);
  });
  it('is a no-op for the same payment, whatever came after', () => {
    order.given(paidHistory).when(capture()).thenNothing();
    order.given(deliveredHistory).when(capture()).thenNothing();
  });
  it('refuses an amount other than the total', () => {
    order
      .given(awaitingHistory)
      .when(capture(TOTAL - 1))
      .thenRefused('PAYMENT_AMOUNT_MISMATCH');
    order
      .given(awaitingHistory)
      .when({
        type: 'RecordPaymentCaptured',
        data: { orderId: ORDER_ID, paymentId: 'p', amount: { amount: TOTAL, currency: 'USD' }, at: T1 },
      })
      .thenRefused('PAYMENT_AMOUNT_MISMATCH');
  });
  it('refuses a negative or fractional amount', () => {
    order.given(awaitingHistory).when(capture(-1)).thenRefused('INVALID_AMOUNT');
    order.given(awaitingHistory).when(capture(0.5)).thenRefused('INVALID_AMOUNT');
  });
  it('refuses a capture before stock is reserved, after expiry, or a second payment (the saga refunds it)', () => {
    order.given(placedHistory).when(capture()).thenRefused('ORDER_NOT_PAYABLE');
    order
      .given([
        ...awaitingHistory,
        { type: 'OrderExpired', data: { orderId: ORDER_ID, expiredAt: AFTER_DEADLINE } },
      ])
      .when(capture())
      .thenRefused('ORDER_NOT_PAYABLE');
    order.given(paidHistory).when(capture(TOTAL, 'pay-2')).thenRefused('ORDER_NOT_PAYABLE');
  });
});

describe('ExpireOrder', () => {
  const expire = (when: string): OrderCommand => ({
    type: 'ExpireOrder',
    data: { orderId: ORDER_ID, at: when },
  });
  const expired: OrderEvent = { type: 'OrderExpired', data: { orderId: ORDER_ID, expiredAt: DEADLINE } };
  it('expires at the deadline', () => {
    order.given(awaitingHistory).when(expire(DEADLINE)).then([expired]);
  });
  it('is refused before the deadline', () => {
    order.given(awaitingHistory).when(expire(T1)).thenRefused('PAYMENT_DEADLINE_NOT_REACHED');
  });
  it('is a no-op once expired', () => {
    order
      .given([...awaitingHistory, expired])
      .when(expire(AFTER_DEADLINE))
      .thenNothing();
  });
  it('is refused once paid (the timer fired late) or before reservation', () => {
    order.given(paidHistory).when(expire(AFTER_DEADLINE)).thenRefused('ORDER_NOT_AWAITING_PAYMENT');
    order.given(placedHistory).when(expire(AFTER_DEADLINE)).thenRefused('ORDER_NOT_AWAITING_PAYMENT');
  });
});

describe('ShipOrder', () => {
  const ship = (by = SELLER, trackingNumber = 'TRK-1'): OrderCommand => ({
    type: 'ShipOrder',
    data: { orderId: ORDER_ID, by, carrier: 'DHL', trackingNumber, at: SHIPPED_AT },
  });
  it('ships a paid order', () => {
    order.given(paidHistory).when(ship()).then([shipped]);
  });
  it('is a no-op with the same tracking number', () => {
    order.given(shippedHistory).when(ship()).thenNothing();
    order.given(deliveredHistory).when(ship()).thenNothing();
  });
  it('is only for the seller', () => {
    order.given(paidHistory).when(ship(BUYER)).thenRefused('NOT_ORDER_SELLER');
  });
  it('is refused before payment, with another tracking number, or after cancellation', () => {
    order.given(awaitingHistory).when(ship()).thenRefused('ORDER_NOT_SHIPPABLE');
    order.given(shippedHistory).when(ship(SELLER, 'TRK-2')).thenRefused('ORDER_NOT_SHIPPABLE');
    order.given(buyerCancelledHistory).when(ship()).thenRefused('ORDER_NOT_SHIPPABLE');
  });
  it('waits for the answer to a pending cancellation request', () => {
    order
      .given([...paidHistory, cancellationRequested])
      .when(ship())
      .thenRefused('CANCELLATION_PENDING');
  });
  it('needs a tracking number', () => {
    order.given(paidHistory).when(ship(SELLER, '')).thenRefused('INVALID_LINE');
  });
});

describe('MarkDelivered', () => {
  const deliver: OrderCommand = { type: 'MarkDelivered', data: { orderId: ORDER_ID, at: DELIVERED_AT } };
  it('delivers a shipped order', () => {
    order.given(shippedHistory).when(deliver).then([delivered]);
  });
  it('is a no-op when repeated, also after completion or during a return', () => {
    order.given(deliveredHistory).when(deliver).thenNothing();
    order
      .given([...deliveredHistory, completed('confirmed_by_buyer')])
      .when(deliver)
      .thenNothing();
    order
      .given([...deliveredHistory, returnRequested])
      .when(deliver)
      .thenNothing();
    order.given(returnReceivedHistory).when(deliver).thenNothing();
  });
  it('is refused before shipment', () => {
    order.given(paidHistory).when(deliver).thenRefused('ORDER_NOT_SHIPPED');
  });
});

describe('ConfirmReceipt', () => {
  const confirm = (by = BUYER): OrderCommand => ({
    type: 'ConfirmReceipt',
    data: { orderId: ORDER_ID, by, at },
  });
  it('completes a delivered order', () => {
    order
      .given(deliveredHistory)
      .when(confirm())
      .then([completed('confirmed_by_buyer')]);
  });
  it('completes a shipped order the carrier has not reported yet', () => {
    order
      .given(shippedHistory)
      .when(confirm())
      .then([completed('confirmed_by_buyer')]);
  });
  it('is only for the buyer', () => {
    order.given(deliveredHistory).when(confirm(SELLER)).thenRefused('NOT_ORDER_BUYER');
  });
  it('is a no-op once completed', () => {
    order
      .given([...deliveredHistory, completed('auto_completed')])
      .when(confirm())
      .thenNothing();
  });
  it('is refused before shipment or during a return', () => {
    order.given(paidHistory).when(confirm()).thenRefused('ORDER_NOT_DELIVERED');
    order
      .given([...deliveredHistory, returnRequested])
      .when(confirm())
      .thenRefused('RETURN_IN_PROGRESS');
  });
});

describe('AutoCompleteOrder', () => {
  const auto = (when: string, completionWindowMillis = 3 * DAY): OrderCommand => ({
    type: 'AutoCompleteOrder',
    data: { orderId: ORDER_ID, completionWindowMillis, at: when },
  });
  const due = '2025-03-07T12:00:00.000Z';
  it('completes once the window after delivery has passed', () => {
    order
      .given(deliveredHistory)
      .when(auto(due))
      .then([completed('auto_completed', due)]);
  });
  it('is refused while the window is open', () => {
    order
      .given(deliveredHistory)
      .when(auto('2025-03-07T11:59:59.999Z'))
      .thenRefused('COMPLETION_WINDOW_OPEN');
  });
  it('is a no-op once completed', () => {
    order
      .given([...deliveredHistory, completed('confirmed_by_buyer')])
      .when(auto(due))
      .thenNothing();
  });
  it('is refused before delivery or during a return', () => {
    order.given(shippedHistory).when(auto(due)).thenRefused('ORDER_NOT_DELIVERED');
    order
      .given([...deliveredHistory, returnRequested])
      .when(auto(due))
      .thenRefused('RETURN_IN_PROGRESS');
  });
  it('refuses a negative, fractional or absurdly long window (no date arithmetic overflow)', () => {
    order.given(deliveredHistory).when(auto(due, -1)).thenRefused('INVALID_WINDOW');
    order.given(deliveredHistory).when(auto(due, 0.5)).thenRefused('INVALID_WINDOW');
    order
      .given(deliveredHistory)
      .when(auto(due, MAX_WINDOW_MILLIS + 1))
      .thenRefused('INVALID_WINDOW');
    order.given(deliveredHistory).when(auto(due, Number.MAX_SAFE_INTEGER)).thenRefused('INVALID_WINDOW');
    order.given(deliveredHistory).when(auto(due, MAX_WINDOW_MILLIS)).thenRefused('COMPLETION_WINDOW_OPEN');
  });
});

describe('RequestCancellation', () => {
  const request = (by = BUYER, answerDeadline = DEADLINE): OrderCommand => ({
    type: 'RequestCancellation',
    data: { orderId: ORDER_ID, by, reason: 'changed my mind', answerDeadline, at: T1 },
  });
  it('asks the seller of a paid order', () => {
    order.given(paidHistory).when(request()).then([cancellationRequested]);
  });
  it('is only for the buyer', () => {
    order.given(paidHistory).when(request(SELLER)).thenRefused('NOT_ORDER_BUYER');
  });
  it('is a no-op while pending or once cancelled', () => {
    order
      .given([...paidHistory, cancellationRequested])
      .when(request())
      .thenNothing();
    order.given(buyerCancelledHistory).when(request()).thenNothing();
    order
      .given([...buyerCancelledHistory, refunded('r-1', TOTAL, TOTAL)])
      .when(request())
      .thenNothing();
  });
  it('is refused after shipment or before payment', () => {
    order.given(shippedHistory).when(request()).thenRefused('ORDER_NOT_CANCELLABLE');
    order.given(awaitingHistory).when(request()).thenRefused('ORDER_NOT_CANCELLABLE');
  });
  it('is refused after a decline', () => {
    const declined: OrderEvent = {
      type: 'CancellationDeclined',
      data: { orderId: ORDER_ID, reason: 'packed', declinedAt: T1 },
    };
    order
      .given([...paidHistory, cancellationRequested, declined])
      .when(request())
      .thenRefused('CANCELLATION_ALREADY_DECLINED');
  });
  it('refuses an answer deadline that is not after now', () => {
    order.given(paidHistory).when(request(BUYER, T1)).thenRefused('INVALID_DEADLINE');
  });
});

describe('AcceptCancellation', () => {
  const acceptBy = (by: string, when = at): OrderCommand => ({
    type: 'AcceptCancellation',
    data: { orderId: ORDER_ID, by, at: when },
  });
  const pending = [...paidHistory, cancellationRequested];
  it('cancels with the full payment due back, when the seller accepts', () => {
    order
      .given(pending)
      .when(acceptBy(SELLER))
      .then([cancelled('buyer', SELLER, 'cancellation requested by the buyer')]);
  });
  it('cancels when the timer accepts after the answer deadline', () => {
    order
      .given(pending)
      .when(acceptBy('system', AFTER_DEADLINE))
      .then([cancelled('buyer', 'system', 'cancellation requested by the buyer', true, AFTER_DEADLINE)]);
  });
  it('refuses the timer before the answer deadline', () => {
    order.given(pending).when(acceptBy('system', T1)).thenRefused('ANSWER_DEADLINE_NOT_REACHED');
  });
  it('is only for the seller or the timer', () => {
    order.given(pending).when(acceptBy(BUYER)).thenRefused('NOT_ORDER_SELLER');
  });
  it('is a no-op once cancelled on request, also after the refund (a late timer)', () => {
    order.given(buyerCancelledHistory).when(acceptBy(SELLER)).thenNothing();
    order
      .given([...buyerCancelledHistory, refunded('r-1', TOTAL, TOTAL)])
      .when(acceptBy('system', AFTER_DEADLINE))
      .thenNothing();
  });
  it('is refused without a pending request, or when the seller cancelled on their own', () => {
    order.given(paidHistory).when(acceptBy(SELLER)).thenRefused('NO_CANCELLATION_REQUESTED');
    order
      .given([...paidHistory, cancelled('seller', SELLER, 'sold elsewhere')])
      .when(acceptBy(SELLER))
      .thenRefused('NO_CANCELLATION_REQUESTED');
  });
});

describe('DeclineCancellation', () => {
  const decline: OrderCommand = {
    type: 'DeclineCancellation',
    data: { orderId: ORDER_ID, by: SELLER, reason: 'packed', at: T1 },
  };
  const declined: OrderEvent = {
    type: 'CancellationDeclined',
    data: { orderId: ORDER_ID, reason: 'packed', declinedAt: T1 },
  };
  it('declines a pending request, the order stays paid and can ship', () => {
    order
      .given([...paidHistory, cancellationRequested])
      .when(decline)
      .then([declined]);
    order
      .given([...paidHistory, cancellationRequested, declined])
      .when({
        type: 'ShipOrder',
        data: { orderId: ORDER_ID, by: SELLER, carrier: 'DHL', trackingNumber: 'TRK-1', at: SHIPPED_AT },
      })
      .then([{ ...shipped, data: { ...shipped.data, shippedAt: SHIPPED_AT } }]);
  });
  it('is a no-op once declined', () => {
    order
      .given([...paidHistory, cancellationRequested, declined])
      .when(decline)
      .thenNothing();
  });
  it('is only for the seller', () => {
    order
      .given([...paidHistory, cancellationRequested])
      .when({ type: 'DeclineCancellation', data: { orderId: ORDER_ID, by: BUYER, reason: 'x', at: T1 } })
      .thenRefused('NOT_ORDER_SELLER');
  });
  it('is refused without a pending request', () => {
    order.given(paidHistory).when(decline).thenRefused('NO_CANCELLATION_REQUESTED');
  });
});

describe('CancelBySeller', () => {
  const cancel = (by = SELLER): OrderCommand => ({
    type: 'CancelBySeller',
    data: { orderId: ORDER_ID, by, reason: 'sold elsewhere', at },
  });
  it('cancels a paid order with the payment due back', () => {
    order
      .given(paidHistory)
      .when(cancel())
      .then([cancelled('seller', SELLER, 'sold elsewhere')]);
  });
  it('cancels a pending buyer request too', () => {
    order
      .given([...paidHistory, cancellationRequested])
      .when(cancel())
      .then([cancelled('seller', SELLER, 'sold elsewhere')]);
  });
  it('cancels before payment with nothing due', () => {
    order
      .given(awaitingHistory)
      .when(cancel())
      .then([cancelled('seller', SELLER, 'sold elsewhere', false)]);
    order
      .given(placedHistory)
      .when(cancel())
      .then([cancelled('seller', SELLER, 'sold elsewhere', false)]);
  });
  it('is a no-op once cancelled, also after the refund (the ship-by timer fired late)', () => {
    order.given(buyerCancelledHistory).when(cancel()).thenNothing();
    order
      .given([...buyerCancelledHistory, refunded('r-1', TOTAL, TOTAL)])
      .when(cancel())
      .thenNothing();
  });
  it('is refused after shipment, once rejected, expired or completed, and for anyone but the seller', () => {
    order.given(shippedHistory).when(cancel()).thenRefused('ORDER_NOT_CANCELLABLE');
    order
      .given([
        ...placedHistory,
        { type: 'OrderRejected', data: { orderId: ORDER_ID, reason: 'x', rejectedAt: T0 } },
      ])
      .when(cancel())
      .thenRefused('ORDER_NOT_CANCELLABLE');
    order
      .given([...awaitingHistory, { type: 'OrderExpired', data: { orderId: ORDER_ID, expiredAt: DEADLINE } }])
      .when(cancel())
      .thenRefused('ORDER_NOT_CANCELLABLE');
    order
      .given([...deliveredHistory, completed('confirmed_by_buyer')])
      .when(cancel())
      .thenRefused('ORDER_NOT_CANCELLABLE');
    order.given(paidHistory).when(cancel(BUYER)).thenRefused('NOT_ORDER_SELLER');
  });
});

describe('RequestReturn', () => {
  const request = (when = '2025-03-05T00:00:00.000Z', by = BUYER): OrderCommand => ({
    type: 'RequestReturn',
    data: { orderId: ORDER_ID, by, reason: 'not as described', returnWindowMillis: 14 * DAY, at: when },
  });
  it('opens a return within the window after delivery', () => {
    order.given(deliveredHistory).when(request()).then([returnRequested]);
  });
  it('accepts the last instant of the window and refuses the next', () => {
    const returnAt = '2025-03-18T12:00:00.000Z';
    order
      .given(deliveredHistory)
      .when(request(returnAt))
      .then([{ ...returnRequested, data: { ...returnRequested.data, requestedAt: returnAt } }]);
    order
      .given(deliveredHistory)
      .when(request('2025-03-18T12:00:00.001Z'))
      .thenRefused('RETURN_WINDOW_CLOSED');
  });
  it('is only for the buyer', () => {
    order.given(deliveredHistory).when(request(undefined, SELLER)).thenRefused('NOT_ORDER_BUYER');
  });
  it('refuses a window that is negative or too long to be a date', () => {
    const withWindow = (returnWindowMillis: number): OrderCommand => ({
      type: 'RequestReturn',
      data: { orderId: ORDER_ID, by: BUYER, reason: 'x', returnWindowMillis, at: '2025-03-05T00:00:00.000Z' },
    });
    order.given(deliveredHistory).when(withWindow(-1)).thenRefused('INVALID_WINDOW');
    order.given(deliveredHistory).when(withWindow(Number.MAX_SAFE_INTEGER)).thenRefused('INVALID_WINDOW');
  });
  it('is a no-op once underway: requested, received or refunded', () => {
    order
      .given([...deliveredHistory, returnRequested])
      .when(request())
      .thenNothing();
    order.given(returnReceivedHistory).when(request()).thenNothing();
    order
      .given([...returnReceivedHistory, refunded('r-1', TOTAL, TOTAL)])
      .when(request())
      .thenNothing();
  });
  it('is refused before delivery and after completion', () => {
    order.given(shippedHistory).when(request()).thenRefused('ORDER_NOT_DELIVERED');
    order
      .given([...deliveredHistory, completed('confirmed_by_buyer')])
      .when(request())
      .thenRefused('ORDER_NOT_DELIVERED');
  });
});

describe('RecordReturnReceived', () => {
  const received = (by = SELLER): OrderCommand => ({
    type: 'RecordReturnReceived',
    data: { orderId: ORDER_ID, by, at: '2025-03-08T00:00:00.000Z' },
  });
  it('makes the payment due back', () => {
    order
      .given([...deliveredHistory, returnRequested])
      .when(received())
      .then([returnReceived]);
  });
  it('is a no-op once received, and once refunded', () => {
    order.given(returnReceivedHistory).when(received()).thenNothing();
    order
      .given([...returnReceivedHistory, refunded('r-1', TOTAL, TOTAL)])
      .when(received())
      .thenNothing();
  });
  it('is only for the seller', () => {
    order
      .given([...deliveredHistory, returnRequested])
      .when(received(BUYER))
      .thenRefused('NOT_ORDER_SELLER');
  });
  it('is refused without a return', () => {
    order.given(deliveredHistory).when(received()).thenRefused('NO_RETURN_REQUESTED');
  });
});

describe('RecordRefunded', () => {
  const refund = (refundId: string, amount: number): OrderCommand => ({
    type: 'RecordRefunded',
    data: { orderId: ORDER_ID, refundId, amount: { amount, currency: 'EUR' }, at },
  });
  it('refunds a cancelled order in full', () => {
    const decision = order
      .given(buyerCancelledHistory)
      .when(refund('r-1', TOTAL))
      .then([refunded('r-1', TOTAL, TOTAL)]);
    if (!decision.ok) throw new Error('refused');
    expect(fold(orderDecider, [...buyerCancelledHistory, ...decision.events]).status).toBe('refunded');
  });
  it('adds partial refunds up to what is due', () => {
    order
      .given(buyerCancelledHistory)
      .when(refund('r-1', 1_000))
      .then([refunded('r-1', 1_000, 1_000)]);
    const history = [...buyerCancelledHistory, refunded('r-1', 1_000, 1_000)];
    expect(fold(orderDecider, history).status).toBe('cancelled');
    order
      .given(history)
      .when(refund('r-2', TOTAL - 1_000))
      .then([refunded('r-2', TOTAL - 1_000, TOTAL)]);
  });
  it('refunds a received return', () => {
    order
      .given(returnReceivedHistory)
      .when(refund('r-1', TOTAL))
      .then([refunded('r-1', TOTAL, TOTAL)]);
  });
  it('is a no-op for a known refund id', () => {
    order
      .given([...buyerCancelledHistory, refunded('r-1', 1_000, 1_000)])
      .when(refund('r-1', 1_000))
      .thenNothing();
    order
      .given([...buyerCancelledHistory, refunded('r-1', TOTAL, TOTAL)])
      .when(refund('r-1', TOTAL))
      .thenNothing();
  });
  it('refuses more than is due', () => {
    order
      .given(buyerCancelledHistory)
      .when(refund('r-1', TOTAL + 1))
      .thenRefused('REFUND_EXCEEDS_DUE');
    order
      .given([...buyerCancelledHistory, refunded('r-1', 1_000, 1_000)])
      .when(refund('r-2', TOTAL))
      .thenRefused('REFUND_EXCEEDS_DUE');
  });
  it('refuses when nothing is due', () => {
    order.given(paidHistory).when(refund('r-1', 100)).thenRefused('NO_REFUND_DUE');
    order
      .given([...awaitingHistory, cancelled('seller', SELLER, 'x', false)])
      .when(refund('r-1', 100))
      .thenRefused('NO_REFUND_DUE');
    order
      .given([...buyerCancelledHistory, refunded('r-1', TOTAL, TOTAL)])
      .when(refund('r-2', 1))
      .thenRefused('NO_REFUND_DUE');
  });
  it('refuses a zero, negative or fractional refund', () => {
    order.given(buyerCancelledHistory).when(refund('r-1', 0)).thenRefused('INVALID_AMOUNT');
    order.given(buyerCancelledHistory).when(refund('r-1', -5)).thenRefused('INVALID_AMOUNT');
    order.given(buyerCancelledHistory).when(refund('r-1', 2.5)).thenRefused('INVALID_AMOUNT');
  });
});

describe('evolve', () => {
  it('throws on a history decide cannot produce', () => {
    expect(() => fold(orderDecider, [orderPaid])).toThrow('cannot follow');
    expect(() => fold(orderDecider, [orderPlaced, orderPlaced])).toThrow('cannot follow');
    expect(() => fold(orderDecider, [...placedHistory, shipped])).toThrow('cannot follow');
    expect(() => fold(orderDecider, [...paidHistory, delivered])).toThrow('cannot follow');
  });
  it('throws on refunds that do not add up to what the event says', () => {
    const wrongTotal = refunded('r-1', 1_000, 2_000);
    expect(() => fold(orderDecider, [...buyerCancelledHistory, wrongTotal])).toThrow('does not add up');
    const notFull: OrderEvent = {
      type: 'OrderRefunded',
      data: { ...(refunded('r-1', TOTAL, TOTAL).data as OrderRefunded['data']), fullyRefunded: false },
    };
    expect(() => fold(orderDecider, [...buyerCancelledHistory, notFull])).toThrow('fullyRefunded');
    expect(() =>
      fold(orderDecider, [
        ...buyerCancelledHistory,
        refunded('r-1', 1_000, 1_000),
        refunded('r-1', 1_000, 2_000),
      ]),
    ).toThrow('recorded twice');
    expect(() =>
      fold(orderDecider, [...buyerCancelledHistory, refunded('r-1', TOTAL + 1, TOTAL + 1)]),
    ).toThrow('more than due');
  });
  it('remembers who asked for a cancellation once refunded', () => {
    expect(fold(orderDecider, [...buyerCancelledHistory, refunded('r-1', TOTAL, TOTAL)])).toMatchObject({
      status: 'refunded',
      after: 'cancelled',
      initiatedBy: 'buyer',
    });
    expect(fold(orderDecider, [...returnReceivedHistory, refunded('r-1', TOTAL, TOTAL)])).toMatchObject({
      status: 'refunded',
      after: 'return_received',
      initiatedBy: null,
    });
  });
  it('keeps the order details through the life', () => {
    const state = fold(orderDecider, [...deliveredHistory, completed('auto_completed')]);
    expect(state).toMatchObject({
      status: 'completed',
      order: { orderId: ORDER_ID, totalMinor: TOTAL },
      deliveredAt: DELIVERED_AT,
    });
  });
});

/** Test data for the order aggregate (used by its unit tests and the money-conservation property). */
import type { FeeSchedule } from '../fees/index.ts';
import type { PlaceOrder } from './commands.ts';
import type {
  CancellationRequested,
  OrderDelivered,
  OrderEvent,
  OrderPaid,
  OrderPlaced,
  OrderShipped,
  OrderStockReserved,
  ReturnReceived,
  ReturnRequested,
} from './events.ts';

export const T0 = '2025-03-01T10:00:00.000Z';
export const T1 = '2025-03-01T10:05:00.000Z';
export const DEADLINE = '2025-03-01T10:30:00.000Z';
export const AFTER_DEADLINE = '2025-03-01T10:30:00.001Z';
export const SHIPPED_AT = '2025-03-02T09:00:00.000Z';
export const DELIVERED_AT = '2025-03-04T12:00:00.000Z';
export const DAY = 24 * 60 * 60 * 1000;

export const FEES: FeeSchedule = {
  id: 'fees-2025-01',
  rateBasisPoints: 500,
  fixedMinor: 70,
  currency: 'EUR',
  rounding: 'half-even',
};

export const ORDER_ID = 'o-1';
export const BUYER = 'buyer-1';
export const SELLER = 'seller-1';

export const placeOrder: PlaceOrder = {
  type: 'PlaceOrder',
  data: {
    orderId: ORDER_ID,
    buyerId: BUYER,
    currency: 'EUR',
    lines: [
      {
        listingId: 'l-1',
        sku: 'sku-a',
        sellerId: SELLER,
        quantity: 2,
        unitPrice: { amount: 1_250, currency: 'EUR' },
      },
      {
        listingId: 'l-2',
        sku: 'sku-b',
        sellerId: SELLER,
        quantity: 1,
        unitPrice: { amount: 990, currency: 'EUR' },
      },
    ],
    feeSchedule: FEES,
    at: T0,
  },
};
export const TOTAL = 2 * 1_250 + 990;

export const orderPlaced: OrderPlaced = {
  type: 'OrderPlaced',
  data: {
    orderId: ORDER_ID,
    buyerId: BUYER,
    sellerId: SELLER,
    currency: 'EUR',
    lines: [
      { listingId: 'l-1', sku: 'sku-a', quantity: 2, unitPriceMinor: 1_250, lineTotalMinor: 2_500 },
      { listingId: 'l-2', sku: 'sku-b', quantity: 1, unitPriceMinor: 990, lineTotalMinor: 990 },
    ],
    totalMinor: TOTAL,
    feeSchedule: FEES,
    placedAt: T0,
  },
};
export const stockReserved: OrderStockReserved = {
  type: 'OrderStockReserved',
  data: { orderId: ORDER_ID, paymentDeadline: DEADLINE, reservedAt: T0 },
};
export const orderPaid: OrderPaid = {
  type: 'OrderPaid',
  data: { orderId: ORDER_ID, paymentId: 'pay-1', amountMinor: TOTAL, currency: 'EUR', paidAt: T1 },
};
export const shipped: OrderShipped = {
  type: 'OrderShipped',
  data: { orderId: ORDER_ID, carrier: 'DHL', trackingNumber: 'TRK-1', shippedAt: SHIPPED_AT },
};
export const delivered: OrderDelivered = {
  type: 'OrderDelivered',
  data: { orderId: ORDER_ID, deliveredAt: DELIVERED_AT },
};
export const cancellationRequested: CancellationRequested = {
  type: 'CancellationRequested',
  data: { orderId: ORDER_ID, reason: 'changed my mind', answerDeadline: DEADLINE, requestedAt: T1 },
};
export const returnRequested: ReturnRequested = {
  type: 'ReturnRequested',
  data: { orderId: ORDER_ID, reason: 'not as described', requestedAt: '2025-03-05T00:00:00.000Z' },
};
export const returnReceived: ReturnReceived = {
  type: 'ReturnReceived',
  data: {
    orderId: ORDER_ID,
    refundDueMinor: TOTAL,
    currency: 'EUR',
    paymentId: 'pay-1',
    receivedAt: '2025-03-08T00:00:00.000Z',
  },
};

export const placedHistory: readonly OrderEvent[] = [orderPlaced];
export const awaitingHistory: readonly OrderEvent[] = [orderPlaced, stockReserved];
export const paidHistory: readonly OrderEvent[] = [...awaitingHistory, orderPaid];
export const shippedHistory: readonly OrderEvent[] = [...paidHistory, shipped];
export const deliveredHistory: readonly OrderEvent[] = [...shippedHistory, delivered];

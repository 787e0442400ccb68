import type { FeeSchedule } from '../../domain/fees/index.ts';
import type { GeneratedEvent } from './history.ts';

const FEES: FeeSchedule = {
  id: 'std',
  rateBasisPoints: 1000,
  fixedMinor: 0,
  currency: 'EUR',
  rounding: 'half-even',
};
const EUR = { currency: 'EUR' as const };
const at = (minute: number): string => new Date(Date.UTC(2026, 10, 23, 9, minute)).toISOString();
const provider = (n: number) => ({ providerEventId: `pe${n}`, providerReference: `pr${n}` });

/**
 * A scripted day of one seller: two listings, three orders (completed,
 * expired, cancelled and refunded), a payout. See read-models.int.test.ts for
 * what every read model must show afterwards.
 */
export const scriptedDay = (): GeneratedEvent[] => [
  {
    streamId: 'listing-L1',
    event: {
      type: 'ListingCreated',
      data: {
        listingId: 'L1',
        sellerId: 's1',
        title: 'Speckled stoneware mug',
        price: { amount: 2500, currency: 'EUR', currencyExponent: 2 },
        sku: 'A',
        at: at(0),
      },
    },
  },
  {
    streamId: 'listing-L1',
    event: { type: 'ListingPublished', data: { listingId: 'L1', by: 's1', at: at(1) } },
  },
  {
    streamId: 'listing-L2',
    event: {
      type: 'ListingCreated',
      data: {
        listingId: 'L2',
        sellerId: 's1',
        title: 'Oak side table',
        price: { amount: 900, currency: 'EUR', currencyExponent: 2 },
        sku: 'B',
        at: at(2),
      },
    },
  },
  {
    streamId: 'inventory-A',
    event: {
      type: 'StockReceived',
      data: { sku: 'A', receiptId: 'r1', quantity: 10, onHand: 10, receivedAt: at(3) },
    },
  },
  {
    streamId: 'listing-L1',
    event: {
      type: 'ListingPriceChanged',
      data: {
        listingId: 'L1',
        price: { amount: 2300, currency: 'EUR', currencyExponent: 2 },
        previousAmount: 2500,
        by: 's1',
        at: at(4),
      },
    },
  },
  // O1: two mugs, paid, shipped, delivered, completed; escrow released; payout.
  {
    streamId: 'order-O1',
    event: {
      type: 'OrderPlaced',
      data: {
        orderId: 'O1',
        buyerId: 'b1',
        sellerId: 's1',
        ...EUR,
        lines: [{ listingId: 'L1', sku: 'A', quantity: 2, unitPriceMinor: 2300, lineTotalMinor: 4600 }],
        totalMinor: 4600,
        feeSchedule: FEES,
        placedAt: at(10),
      },
    },
  },
  {
    streamId: 'inventory-A',
    event: {
      type: 'StockReserved',
      data: {
        sku: 'A',
        reservationId: 'R1',
        orderId: 'O1',
        quantity: 2,
        expiresAt: at(40),
        reservedAt: at(10),
      },
    },
  },
  {
    streamId: 'order-O1',
    event: {
      type: 'OrderStockReserved',
      data: { orderId: 'O1', paymentDeadline: at(40), reservedAt: at(10) },
    },
  },
  {
    streamId: 'payment-P1',
    event: {
      type: 'PaymentStarted',
      data: { paymentId: 'P1', orderId: 'O1', amountMinor: 4600, ...EUR, startedAt: at(11) },
    },
  },
  {
    streamId: 'payment-P1',
    event: {
      type: 'PaymentAuthorized',
      data: {
        ...provider(1),
        paymentId: 'P1',
        orderId: 'O1',
        amountMinor: 4600,
        ...EUR,
        authorizedAt: at(11),
      },
    },
  },
  {
    streamId: 'payment-P1',
    event: {
      type: 'PaymentCaptured',
      data: {
        ...provider(2),
        paymentId: 'P1',
        orderId: 'O1',
        amountMinor: 4600,
        ...EUR,
        capturedTotalMinor: 4600,
        capturedAt: at(12),
      },
    },
  },
  {
    streamId: 'order-O1',
    event: {
      type: 'OrderPaid',
      data: { orderId: 'O1', paymentId: 'P1', amountMinor: 4600, ...EUR, paidAt: at(12) },
    },
  },
  {
    streamId: 'seller-s1',
    event: {
      type: 'EscrowHeld',
      data: {
        sellerId: 's1',
        ...EUR,
        postings: [
          { account: 'buyerFunds', amountMinor: -4600 },
          { account: 'escrow', amountMinor: 4600 },
        ],
        orderId: 'O1',
        grossMinor: 4600,
        heldAt: at(12),
      },
    },
  },
  {
    streamId: 'inventory-A',
    event: {
      type: 'ReservationCommitted',
      data: { sku: 'A', reservationId: 'R1', orderId: 'O1', quantity: 2, onHand: 8, committedAt: at(12) },
    },
  },
  {
    streamId: 'order-O1',
    event: {
      type: 'OrderShipped',
      data: { orderId: 'O1', carrier: 'DHL', trackingNumber: 'T1', shippedAt: at(20) },
    },
  },
  { streamId: 'order-O1', event: { type: 'OrderDelivered', data: { orderId: 'O1', deliveredAt: at(30) } } },
  {
    streamId: 'order-O1',
    event: {
      type: 'OrderCompleted',
      data: {
        orderId: 'O1',
        how: 'confirmed_by_buyer',
        completedAt: at(31),
        sellerId: 's1',
        feeSchedule: FEES,
      },
    },
  },
  {
    streamId: 'seller-s1',
    event: {
      type: 'EscrowReleased',
      data: {
        sellerId: 's1',
        ...EUR,
        postings: [
          { account: 'escrow', amountMinor: -460 },
          { account: 'feeRevenue', amountMinor: 460 },
          { account: 'escrow', amountMinor: -4140 },
          { account: 'sellerAvailable', amountMinor: 4140 },
        ],
        orderId: 'O1',
        releasedMinor: 4600,
        feeMinor: 460,
        sellerNetMinor: 4140,
        feeScheduleId: 'std',
        releasedAt: at(31),
      },
    },
  },
  {
    streamId: 'seller-s1',
    event: {
      type: 'PayoutRequested',
      data: {
        sellerId: 's1',
        ...EUR,
        postings: [
          { account: 'sellerAvailable', amountMinor: -4140 },
          { account: 'payoutPending', amountMinor: 4140 },
        ],
        payoutId: 'PO1',
        amountMinor: 4140,
        requestedAt: at(32),
      },
    },
  },
  {
    streamId: 'seller-s1',
    event: {
      type: 'PayoutPaid',
      data: {
        sellerId: 's1',
        ...EUR,
        postings: [
          { account: 'payoutPending', amountMinor: -4140 },
          { account: 'payouts', amountMinor: 4140 },
        ],
        payoutId: 'PO1',
        amountMinor: 4140,
        paidAt: at(33),
      },
    },
  },
  // O2: one mug, never paid: the reservation expires.
  {
    streamId: 'order-O2',
    event: {
      type: 'OrderPlaced',
      data: {
        orderId: 'O2',
        buyerId: 'b2',
        sellerId: 's1',
        ...EUR,
        lines: [{ listingId: 'L1', sku: 'A', quantity: 1, unitPriceMinor: 2300, lineTotalMinor: 2300 }],
        totalMinor: 2300,
        feeSchedule: FEES,
        placedAt: at(13),
      },
    },
  },
  {
    streamId: 'inventory-A',
    event: {
      type: 'StockReserved',
      data: {
        sku: 'A',
        reservationId: 'R2',
        orderId: 'O2',
        quantity: 1,
        expiresAt: at(43),
        reservedAt: at(13),
      },
    },
  },
  {
    streamId: 'order-O2',
    event: {
      type: 'OrderStockReserved',
      data: { orderId: 'O2', paymentDeadline: at(43), reservedAt: at(13) },
    },
  },
  {
    streamId: 'inventory-A',
    event: {
      type: 'ReservationExpired',
      data: { sku: 'A', reservationId: 'R2', orderId: 'O2', quantity: 1, expiredAt: at(43) },
    },
  },
  { streamId: 'order-O2', event: { type: 'OrderExpired', data: { orderId: 'O2', expiredAt: at(43) } } },
  // O3: one mug, paid, cancelled by the seller and refunded in full.
  {
    streamId: 'order-O3',
    event: {
      type: 'OrderPlaced',
      data: {
        orderId: 'O3',
        buyerId: 'b1',
        sellerId: 's1',
        ...EUR,
        lines: [{ listingId: 'L1', sku: 'A', quantity: 1, unitPriceMinor: 2300, lineTotalMinor: 2300 }],
        totalMinor: 2300,
        feeSchedule: FEES,
        placedAt: at(50),
      },
    },
  },
  {
    streamId: 'inventory-A',
    event: {
      type: 'StockReserved',
      data: {
        sku: 'A',
        reservationId: 'R3',
        orderId: 'O3',
        quantity: 1,
        expiresAt: at(59),
        reservedAt: at(50),
      },
    },
  },
  {
    streamId: 'order-O3',
    event: {
      type: 'OrderStockReserved',
      data: { orderId: 'O3', paymentDeadline: at(59), reservedAt: at(50) },
    },
  },
  {
    streamId: 'order-O3',
    event: {
      type: 'OrderPaid',
      data: { orderId: 'O3', paymentId: 'P3', amountMinor: 2300, ...EUR, paidAt: at(51) },
    },
  },
  {
    streamId: 'seller-s1',
    event: {
      type: 'EscrowHeld',
      data: {
        sellerId: 's1',
        ...EUR,
        postings: [
          { account: 'buyerFunds', amountMinor: -2300 },
          { account: 'escrow', amountMinor: 2300 },
        ],
        orderId: 'O3',
        grossMinor: 2300,
        heldAt: at(51),
      },
    },
  },
  {
    streamId: 'inventory-A',
    event: {
      type: 'ReservationCommitted',
      data: { sku: 'A', reservationId: 'R3', orderId: 'O3', quantity: 1, onHand: 7, committedAt: at(51) },
    },
  },
  {
    streamId: 'order-O3',
    event: {
      type: 'OrderCancelled',
      data: {
        orderId: 'O3',
        initiatedBy: 'seller',
        cancelledBy: 's1',
        reason: 'broken in storage',
        refundDueMinor: 2300,
        ...EUR,
        paymentId: 'P3',
        cancelledAt: at(52),
      },
    },
  },
  {
    streamId: 'seller-s1',
    event: {
      type: 'EscrowRefunded',
      data: {
        sellerId: 's1',
        ...EUR,
        postings: [
          { account: 'escrow', amountMinor: -2300 },
          { account: 'refunds', amountMinor: 2300 },
        ],
        orderId: 'O3',
        refundId: 'RF3',
        amountMinor: 2300,
        refundedAt: at(53),
      },
    },
  },
  {
    streamId: 'order-O3',
    event: {
      type: 'OrderRefunded',
      data: {
        orderId: 'O3',
        refundId: 'RF3',
        amountMinor: 2300,
        ...EUR,
        totalRefundedMinor: 2300,
        fullyRefunded: true,
        refundedAt: at(53),
      },
    },
  },
];

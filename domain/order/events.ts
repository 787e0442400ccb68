import type { FeeSchedule } from '../fees/index.ts';
import type { CurrencyCode, Instant, Message } from '../shared/index.ts';

export type OrderLine = Readonly<{
  listingId: string;
  sku: string;
  quantity: number;
  unitPriceMinor: number;
  /** quantity × unitPriceMinor */
  lineTotalMinor: number;
}>;

export type OrderPlaced = Message<
  'OrderPlaced',
  {
    orderId: string;
    buyerId: string;
    /** Every line is from this one seller (a cross-seller basket is several orders). */
    sellerId: string;
    currency: CurrencyCode;
    lines: readonly OrderLine[];
    /** Sum of the line totals: what the buyer pays. */
    totalMinor: number;
    feeSchedule: FeeSchedule;
    placedAt: Instant;
  }
>;

export type OrderStockReserved = Message<
  'OrderStockReserved',
  { orderId: string; paymentDeadline: Instant; reservedAt: Instant }
>;

export type OrderRejected = Message<
  'OrderRejected',
  { orderId: string; reason: string; rejectedAt: Instant }
>;

export type OrderPaid = Message<
  'OrderPaid',
  { orderId: string; paymentId: string; amountMinor: number; currency: CurrencyCode; paidAt: Instant }
>;

export type OrderExpired = Message<'OrderExpired', { orderId: string; expiredAt: Instant }>;

export type OrderShipped = Message<
  'OrderShipped',
  { orderId: string; carrier: string; trackingNumber: string; shippedAt: Instant }
>;

export type OrderDelivered = Message<'OrderDelivered', { orderId: string; deliveredAt: Instant }>;

export type OrderCompleted = Message<
  'OrderCompleted',
  {
    orderId: string;
    how: 'confirmed_by_buyer' | 'auto_completed';
    completedAt: Instant;
    /** Echoed from the order so the escrow-release saga needs nothing else. */
    sellerId: string;
    feeSchedule: FeeSchedule;
  }
>;

export type CancellationRequested = Message<
  'CancellationRequested',
  { orderId: string; reason: string; answerDeadline: Instant; requestedAt: Instant }
>;

export type CancellationDeclined = Message<
  'CancellationDeclined',
  { orderId: string; reason: string; declinedAt: Instant }
>;

export type OrderCancelled = Message<
  'OrderCancelled',
  {
    orderId: string;
    /** Who asked: the buyer (accepted by seller or timer) or the seller on their own. */
    initiatedBy: 'buyer' | 'seller';
    /** The actor that made it final: the seller id, or 'system' for the answer-deadline timer. */
    cancelledBy: string;
    reason: string;
    /** What must go back to the buyer: the captured amount, 0 if nothing was paid. */
    refundDueMinor: number;
    currency: CurrencyCode;
    /** The capture to refund from, null when nothing was paid. */
    paymentId: string | null;
    cancelledAt: Instant;
  }
>;

export type ReturnRequested = Message<
  'ReturnRequested',
  { orderId: string; reason: string; requestedAt: Instant }
>;

export type ReturnReceived = Message<
  'ReturnReceived',
  { orderId: string; refundDueMinor: number; currency: CurrencyCode; paymentId: string; receivedAt: Instant }
>;

export type OrderRefunded = Message<
  'OrderRefunded',
  {
    orderId: string;
    refundId: string;
    amountMinor: number;
    currency: CurrencyCode;
    /** Refunded so far including this one; the order is `refunded` when it reaches what was due. */
    totalRefundedMinor: number;
    fullyRefunded: boolean;
    refundedAt: Instant;
  }
>;

export type OrderEvent =
  | OrderPlaced
  | OrderStockReserved
  | OrderRejected
  | OrderPaid
  | OrderExpired
  | OrderShipped
  | OrderDelivered
  | OrderCompleted
  | CancellationRequested
  | CancellationDeclined
  | OrderCancelled
  | ReturnRequested
  | ReturnReceived
  | OrderRefunded;

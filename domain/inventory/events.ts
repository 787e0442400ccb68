import type { Instant, Message } from '../shared/index.ts';

/** `onHand` after the event is carried so a reader of the log needs no fold to show the level. */
export type StockReceived = Message<
  'StockReceived',
  { sku: string; receiptId: string; quantity: number; onHand: number; receivedAt: Instant }
>;

export type StockAdjusted = Message<
  'StockAdjusted',
  { sku: string; adjustmentId: string; delta: number; reason: string; onHand: number; adjustedAt: Instant }
>;

export type StockReserved = Message<
  'StockReserved',
  {
    sku: string;
    reservationId: string;
    orderId: string;
    quantity: number;
    expiresAt: Instant;
    reservedAt: Instant;
  }
>;

export type ReservationReleased = Message<
  'ReservationReleased',
  {
    sku: string;
    reservationId: string;
    orderId: string;
    quantity: number;
    reason: string;
    releasedAt: Instant;
  }
>;

export type ReservationExpired = Message<
  'ReservationExpired',
  { sku: string; reservationId: string; orderId: string; quantity: number; expiredAt: Instant }
>;

/** Units left the warehouse with the order: on hand and reserved both drop by `quantity`. */
export type ReservationCommitted = Message<
  'ReservationCommitted',
  {
    sku: string;
    reservationId: string;
    orderId: string;
    quantity: number;
    onHand: number;
    committedAt: Instant;
  }
>;

export type InventoryEvent =
  | StockReceived
  | StockAdjusted
  | StockReserved
  | ReservationReleased
  | ReservationExpired
  | ReservationCommitted;

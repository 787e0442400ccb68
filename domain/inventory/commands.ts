import type { Instant, Message } from '../shared/index.ts';

/** Units arrive at the warehouse (or a seller declares stock). `receiptId` makes a re-send a no-op. */
export type ReceiveStock = Message<
  'ReceiveStock',
  { sku: string; receiptId: string; quantity: number; at: Instant }
>;

/**
 * A correction after a count, breakage or loss, positive or negative. Never
 * below what is reserved: a reservation is a promise to a buyer.
 */
export type AdjustStock = Message<
  'AdjustStock',
  { sku: string; adjustmentId: string; delta: number; reason: string; at: Instant }
>;

/**
 * Holds units for an order until `expiresAt`. Idempotent per reservation id;
 * an order with several lines of one SKU reserves their sum in one command.
 */
export type ReserveStock = Message<
  'ReserveStock',
  { sku: string; reservationId: string; orderId: string; quantity: number; expiresAt: Instant; at: Instant }
>;

/** Gives reserved units back (order rejected, expired or cancelled before shipment). */
export type ReleaseReservation = Message<
  'ReleaseReservation',
  { sku: string; reservationId: string; reason: string; at: Instant }
>;

/** The reservation's own timer: a no-op when it was committed or released meanwhile. */
export type ExpireReservation = Message<
  'ExpireReservation',
  { sku: string; reservationId: string; at: Instant }
>;

/** The order shipped: the reserved units leave stock for good. */
export type CommitReservation = Message<
  'CommitReservation',
  { sku: string; reservationId: string; at: Instant }
>;

export type InventoryCommand =
  ReceiveStock | AdjustStock | ReserveStock | ReleaseReservation | ExpireReservation | CommitReservation;

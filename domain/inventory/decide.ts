import { accept, assertNever, isBefore, isInstant, isPositiveQuantity, refuse } from '../shared/index.ts';
import type { Decision, Instant } from '../shared/index.ts';
import type {
  AdjustStock,
  CommitReservation,
  ExpireReservation,
  InventoryCommand,
  ReceiveStock,
  ReleaseReservation,
  ReserveStock,
} from './commands.ts';
import type { InventoryEvent, ReservationExpired } from './events.ts';
import type { InventoryState, Reservation, SettledReservation } from './state.ts';
import { available, expiredReservationIds, isExpired, lookup } from './state.ts';

export const INVENTORY_ERROR_CODES = [
  'INVALID_INSTANT',
  'INVALID_SKU',
  'INVALID_ID',
  'INVALID_QUANTITY',
  'INVALID_REASON',
  'INVALID_EXPIRY',
  'SKU_MISMATCH',
  'STOCK_LIMIT_EXCEEDED',
  'RECEIPT_CONFLICT',
  'ADJUSTMENT_CONFLICT',
  'NEGATIVE_STOCK',
  'BELOW_RESERVED',
  'INSUFFICIENT_STOCK',
  'RESERVATION_CONFLICT',
  'RESERVATION_NOT_FOUND',
  'RESERVATION_SETTLED',
  'RESERVATION_NOT_EXPIRED',
] as const;

export type InventoryErrorCode = (typeof INVENTORY_ERROR_CODES)[number];

type Result = Decision<InventoryEvent, InventoryErrorCode>;
type Refusal = Extract<Result, Readonly<{ ok: false }>>;

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;

const checkId = (value: unknown, field: string): Refusal | null =>
  nonEmpty(value) ? null : refuse('INVALID_ID', `${field} must be a non-empty string`);

const checkReason = (value: unknown): Refusal | null =>
  nonEmpty(value) ? null : refuse('INVALID_REASON', 'a reason is required');

const checkQuantity = (value: unknown): Refusal | null =>
  isPositiveQuantity(value)
    ? null
    : refuse('INVALID_QUANTITY', `quantity must be a positive integer, got ${JSON.stringify(value)}`);

/** A new level must stay an exact integer. */
const checkLimit = (onHand: number): Refusal | null =>
  Number.isSafeInteger(onHand)
    ? null
    : refuse('STOCK_LIMIT_EXCEEDED', 'on hand would exceed the largest exact integer');

/**
 * Expired-but-unreleased reservations, oldest expiry first. They no longer
 * count against what can be reserved, but they are still in the state (their
 * timer has not fired yet), so a decision that needs their units expires them
 * in the same decision: every reservation in the state then keeps counting,
 * and `reserved ≤ onHand` holds at every step without a clock in `evolve`.
 */
const expireStale = (state: InventoryState, sku: string, at: Instant): ReservationExpired[] =>
  expiredReservationIds(state, at).flatMap((reservationId): ReservationExpired[] => {
    const reservation = lookup(state.reservations, reservationId);
    if (reservation === undefined) return [];
    const { orderId, quantity } = reservation;
    return [{ type: 'ReservationExpired', data: { sku, reservationId, orderId, quantity, expiredAt: at } }];
  });

// --- ReceiveStock ------------------------------------------------------------

const receiveStock = ({ data }: ReceiveStock, state: InventoryState): Result => {
  const bad = checkId(data.receiptId, 'receiptId') ?? checkQuantity(data.quantity);
  if (bad) return bad;
  const seen = lookup(state.receipts, data.receiptId);
  if (seen !== undefined)
    return seen === data.quantity
      ? accept()
      : refuse('RECEIPT_CONFLICT', `receipt ${data.receiptId} was recorded with quantity ${seen}`);
  const onHand = state.onHand + data.quantity;
  const tooMuch = checkLimit(onHand);
  if (tooMuch) return tooMuch;
  return accept({
    type: 'StockReceived',
    data: { sku: data.sku, receiptId: data.receiptId, quantity: data.quantity, onHand, receivedAt: data.at },
  });
};

// --- AdjustStock -------------------------------------------------------------

/**
 * A correction, never below what unexpired reservations hold (nor below zero).
 * Units held only by expired reservations may be written off: those
 * reservations are expired in the same decision.
 */
const adjustStock = ({ data }: AdjustStock, state: InventoryState): Result => {
  const { sku, adjustmentId, delta, reason, at } = data;
  const bad = checkId(adjustmentId, 'adjustmentId') ?? checkReason(reason);
  if (bad) return bad;
  if (typeof delta !== 'number' || !Number.isSafeInteger(delta) || delta === 0)
    return refuse('INVALID_QUANTITY', `delta must be a non-zero integer, got ${JSON.stringify(delta)}`);
  const seen = lookup(state.adjustments, adjustmentId);
  if (seen !== undefined)
    return seen.delta === delta && seen.reason === reason
      ? accept()
      : refuse('ADJUSTMENT_CONFLICT', `adjustment ${adjustmentId} was recorded with other data`);
  const onHand = state.onHand + delta;
  if (onHand < 0) return refuse('NEGATIVE_STOCK', `on hand is ${state.onHand}; cannot remove ${-delta}`);
  const tooMuch = checkLimit(onHand);
  if (tooMuch) return tooMuch;
  const adjusted: InventoryEvent = {
    type: 'StockAdjusted',
    data: { sku, adjustmentId, delta, reason, onHand, adjustedAt: at },
  };
  if (onHand >= state.reserved) return accept(adjusted);
  const heldUnexpired = state.onHand - available(state, at);
  if (onHand < heldUnexpired)
    return refuse(
      'BELOW_RESERVED',
      `on hand would be ${onHand} while reservations hold ${heldUnexpired}; release them first`,
    );
  return accept<InventoryEvent>(...expireStale(state, sku, at), adjusted);
};

// --- ReserveStock ------------------------------------------------------------

const sameReservation = (
  held: Reservation | SettledReservation,
  data: ReserveStock['data'],
  reservationId: string,
): Refusal | null =>
  held.orderId === data.orderId && held.quantity === data.quantity
    ? null
    : refuse(
        'RESERVATION_CONFLICT',
        `reservation ${reservationId} is for order ${held.orderId}, quantity ${held.quantity}`,
      );

/**
 * Holds units for an order when they are available at `at` (expired
 * reservations do not count). An exact repeat of a live reservation is a
 * no-op, whatever its `expiresAt`/`at` (the first expiry stands). A settled
 * id is never reused: repeating it is refused, so a late or replayed reserve
 * cannot report units as held after they were released.
 */
const reserveStock = ({ data }: ReserveStock, state: InventoryState): Result => {
  const { sku, reservationId, orderId, quantity, expiresAt, at } = data;
  const bad =
    checkId(reservationId, 'reservationId') ??
    checkId(orderId, 'orderId') ??
    checkQuantity(quantity) ??
    (isInstant(expiresAt) ? null : refuse('INVALID_INSTANT', 'expiresAt must be an ISO-8601 UTC instant'));
  if (bad) return bad;
  if (!isBefore(at, expiresAt)) return refuse('INVALID_EXPIRY', 'expiresAt must be after at');

  const live = lookup(state.reservations, reservationId);
  if (live !== undefined) return sameReservation(live, data, reservationId) ?? accept();
  const settled = lookup(state.settled, reservationId);
  if (settled !== undefined)
    return (
      sameReservation(settled, data, reservationId) ??
      refuse('RESERVATION_SETTLED', `reservation ${reservationId} was already ${settled.outcome}`)
    );

  const reserved: InventoryEvent = {
    type: 'StockReserved',
    data: { sku, reservationId, orderId, quantity, expiresAt, reservedAt: at },
  };
  if (quantity <= state.onHand - state.reserved) return accept(reserved);
  const free = available(state, at);
  if (quantity > free)
    return refuse(
      'INSUFFICIENT_STOCK',
      `${quantity} requested, ${free} available of ${state.onHand} on hand`,
    );
  return accept<InventoryEvent>(...expireStale(state, sku, at), reserved);
};

// --- ReleaseReservation, ExpireReservation, CommitReservation -----------------

type Target =
  Readonly<{ live: Reservation; settled: null }> | Readonly<{ live: null; settled: SettledReservation }>;

const target = (state: InventoryState, reservationId: string): Target | Refusal => {
  const bad = checkId(reservationId, 'reservationId');
  if (bad) return bad;
  const live = lookup(state.reservations, reservationId);
  if (live !== undefined) return { live, settled: null };
  const settled = lookup(state.settled, reservationId);
  if (settled !== undefined) return { live: null, settled };
  return refuse('RESERVATION_NOT_FOUND', `no reservation ${reservationId}`);
};

const isRefusal = (value: Target | Refusal): value is Refusal => 'ok' in value;

/**
 * Gives the units back. Allowed for an expired-but-unreleased reservation.
 * A no-op once released or expired (the units are already back); refused once
 * committed (they left with the order).
 */
const releaseReservation = ({ data }: ReleaseReservation, state: InventoryState): Result => {
  const bad = checkReason(data.reason);
  if (bad) return bad;
  const found = target(state, data.reservationId);
  if (isRefusal(found)) return found;
  if (found.live === null)
    return found.settled.outcome === 'committed'
      ? refuse('RESERVATION_SETTLED', `reservation ${data.reservationId} was committed`)
      : accept();
  const { orderId, quantity } = found.live;
  return accept({
    type: 'ReservationReleased',
    data: {
      sku: data.sku,
      reservationId: data.reservationId,
      orderId,
      quantity,
      reason: data.reason,
      releasedAt: data.at,
    },
  });
};

/** The reservation's timer: refused before `expiresAt`, a no-op once settled in any way. */
const expireReservation = ({ data }: ExpireReservation, state: InventoryState): Result => {
  const found = target(state, data.reservationId);
  if (isRefusal(found)) return found;
  if (found.live === null) return accept();
  if (!isExpired(found.live, data.at))
    return refuse(
      'RESERVATION_NOT_EXPIRED',
      `reservation ${data.reservationId} expires at ${found.live.expiresAt}`,
    );
  const { orderId, quantity } = found.live;
  return accept({
    type: 'ReservationExpired',
    data: { sku: data.sku, reservationId: data.reservationId, orderId, quantity, expiredAt: data.at },
  });
};

/**
 * The order shipped: its units leave stock. Allowed for an expired-but-
 * unreleased reservation, since its units are still held (had anyone needed
 * them, the reservation would have been expired first). A no-op once
 * committed; refused once released or expired (the units may be sold again).
 */
const commitReservation = ({ data }: CommitReservation, state: InventoryState): Result => {
  const found = target(state, data.reservationId);
  if (isRefusal(found)) return found;
  if (found.live === null)
    return found.settled.outcome === 'committed'
      ? accept()
      : refuse(
          'RESERVATION_SETTLED',
          `reservation ${data.reservationId} was already ${found.settled.outcome}`,
        );
  const { orderId, quantity } = found.live;
  return accept({
    type: 'ReservationCommitted',
    data: {
      sku: data.sku,
      reservationId: data.reservationId,
      orderId,
      quantity,
      onHand: state.onHand - quantity,
      committedAt: data.at,
    },
  });
};

export const decide = (command: InventoryCommand, state: InventoryState): Result => {
  const { sku, at } = command.data;
  if (!isInstant(at))
    return refuse('INVALID_INSTANT', `at must be an ISO-8601 UTC instant, got ${String(at)}`);
  if (!nonEmpty(sku)) return refuse('INVALID_SKU', 'sku must be a non-empty string');
  if (state.sku !== null && state.sku !== sku)
    return refuse('SKU_MISMATCH', `this stream holds SKU ${state.sku}, not ${sku}`);
  switch (command.type) {
    case 'ReceiveStock':
      return receiveStock(command, state);
    case 'AdjustStock':
      return adjustStock(command, state);
    case 'ReserveStock':
      return reserveStock(command, state);
    case 'ReleaseReservation':
      return releaseReservation(command, state);
    case 'ExpireReservation':
      return expireReservation(command, state);
    case 'CommitReservation':
      return commitReservation(command, state);
    default:
      return assertNever(command, 'inventory command');
  }
};

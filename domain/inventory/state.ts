import { assertNever, InvariantViolation, toMillis } from '../shared/index.ts';
import type { Instant } from '../shared/index.ts';
import { emptyMap, getIn, removeIn, setIn, toRecord } from '../shared/persistent-map.ts';
import type { PersistentMap } from '../shared/persistent-map.ts';
import type { InventoryEvent } from './events.ts';
import { addExpiry, earliestExpiry, expiredBy, expiryMillis, removeExpiry } from './expiry-index.ts';
import type { ExpiryIndex } from './expiry-index.ts';

/** Units held for an order until `expiresAt`; they still count in `onHand` until committed. */
export type Reservation = Readonly<{
  orderId: string;
  quantity: number;
  expiresAt: Instant;
  reservedAt: Instant;
}>;

export type ReservationOutcome = 'released' | 'expired' | 'committed';

/** A reservation that ended, remembered so its id stays idempotent (and cannot be reused) for good. */
export type SettledReservation = Readonly<{
  orderId: string;
  quantity: number;
  outcome: ReservationOutcome;
  settledAt: Instant;
}>;

export type StockAdjustment = Readonly<{ delta: number; reason: string }>;

/**
 * One SKU's stock. There is no status: a SKU with no history is simply one
 * with nothing on hand, so a union would only distinguish two identical
 * behaviours. `sku` is fixed by the first event (null before it).
 *
 * Invariants (evolve throws when an event would break them):
 *   0 ≤ reserved ≤ onHand, reserved = Σ quantity of `reservations`,
 *   a reservation id is in at most one of `reservations` / `settled`,
 *   `expiries` holds exactly the live reservations.
 *
 * A hot SKU holds hundreds of thousands of live reservations during a sale,
 * so nothing here is copied whole per event: the maps are persistent
 * (structurally shared, `domain/shared/persistent-map.ts`) and `expiries`
 * orders the live reservations by expiry, so what is available is
 * `onHand - reserved` in O(1) unless some reservation has expired.
 */
export type InventoryState = Readonly<{
  sku: string | null;
  onHand: number;
  /** Σ quantity of the live reservations, expired-but-unreleased ones included. */
  reserved: number;
  reservations: PersistentMap<Reservation>;
  settled: PersistentMap<SettledReservation>;
  /** receiptId → quantity received, so a re-sent receipt is a no-op and a different one a conflict. */
  receipts: PersistentMap<number>;
  adjustments: PersistentMap<StockAdjustment>;
  /** The live reservations by (expiry, id). */
  expiries: ExpiryIndex;
}>;

export const initialState = (): InventoryState => ({
  sku: null,
  onHand: 0,
  reserved: 0,
  reservations: emptyMap(),
  settled: emptyMap(),
  receipts: emptyMap(),
  adjustments: emptyMap(),
  expiries: null,
});

/** Lookup by id; any string (`__proto__`, `constructor`) is a plain key. */
export const lookup = <T>(map: PersistentMap<T>, key: string): T | undefined => getIn(map, key);

/**
 * A reservation stops counting once `expiresAt ≤ at`. Compared in milliseconds;
 * an unparsable instant compares false, so the reservation keeps counting (the
 * safe side: never more available than there is).
 */
export const isExpired = (reservation: Reservation, at: Instant): boolean =>
  toMillis(reservation.expiresAt) <= toMillis(at);

/** Ids of the live reservations expired at `at`, earliest expiry first (then by id). */
export const expiredReservationIds = (state: InventoryState, at: Instant): string[] => {
  const atMillis = toMillis(at);
  // The common case, one comparison: nothing has expired yet.
  if (!(earliestExpiry(state.expiries) <= atMillis)) return [];
  return expiredBy(state.expiries, atMillis);
};

/** Units held by reservations that have not expired at `at`. */
export const unexpiredReserved = (state: InventoryState, at: Instant): number => {
  let held = state.reserved;
  for (const id of expiredReservationIds(state, at)) held -= lookup(state.reservations, id)?.quantity ?? 0;
  return held;
};

/** Units that can be reserved at `at`: on hand minus what unexpired reservations hold. Never negative. */
export const available = (state: InventoryState, at: Instant): number =>
  state.onHand - unexpiredReserved(state, at);

const fail = (event: InventoryEvent, why: string): never => {
  throw new InvariantViolation(`inventory ${event.data.sku}: ${event.type} ${why}`);
};

const expiryKey = (reservationId: string, reservation: Reservation) => ({
  expiresAt: expiryMillis(toMillis(reservation.expiresAt)),
  reservationId,
});

const liveReservation = (
  state: InventoryState,
  event: Extract<InventoryEvent, { data: { reservationId: string; orderId: string; quantity: number } }>,
): Reservation => {
  const reservation = lookup(state.reservations, event.data.reservationId);
  if (reservation === undefined) return fail(event, `of unknown reservation ${event.data.reservationId}`);
  if (reservation.orderId !== event.data.orderId || reservation.quantity !== event.data.quantity)
    return fail(event, `does not match reservation ${event.data.reservationId}`);
  return reservation;
};

const settle = (
  state: InventoryState,
  reservationId: string,
  reservation: Reservation,
  outcome: ReservationOutcome,
  settledAt: Instant,
): InventoryState => ({
  ...state,
  reserved: state.reserved - reservation.quantity,
  reservations: removeIn(state.reservations, reservationId),
  settled: setIn(state.settled, reservationId, {
    orderId: reservation.orderId,
    quantity: reservation.quantity,
    outcome,
    settledAt,
  }),
  expiries: removeExpiry(state.expiries, expiryKey(reservationId, reservation)),
});

const checkLevel = (event: InventoryEvent, state: InventoryState): InventoryState => {
  if (!Number.isSafeInteger(state.onHand) || state.reserved < 0 || state.reserved > state.onHand)
    return fail(event, `leaves onHand ${state.onHand} with ${state.reserved} reserved`);
  return state;
};

/**
 * Applies a recorded fact. Only what `decide` can produce is accepted; a
 * corrupt or foreign history (another SKU, an unknown reservation, an `onHand`
 * that does not add up, reserved above on hand) throws InvariantViolation.
 */
export const evolve = (previous: InventoryState, event: InventoryEvent): InventoryState => {
  if (previous.sku !== null && previous.sku !== event.data.sku) return fail(event, 'for another SKU');
  const state: InventoryState = previous.sku === null ? { ...previous, sku: event.data.sku } : previous;
  switch (event.type) {
    case 'StockReceived': {
      const { receiptId, quantity, onHand } = event.data;
      if (lookup(state.receipts, receiptId) !== undefined) return fail(event, `repeats receipt ${receiptId}`);
      if (quantity <= 0 || onHand !== state.onHand + quantity) return fail(event, 'does not add up');
      return checkLevel(event, { ...state, onHand, receipts: setIn(state.receipts, receiptId, quantity) });
    }
    case 'StockAdjusted': {
      const { adjustmentId, delta, reason, onHand } = event.data;
      if (lookup(state.adjustments, adjustmentId) !== undefined)
        return fail(event, `repeats adjustment ${adjustmentId}`);
      if (onHand !== state.onHand + delta) return fail(event, 'does not add up');
      return checkLevel(event, {
        ...state,
        onHand,
        adjustments: setIn(state.adjustments, adjustmentId, { delta, reason }),
      });
    }
    case 'StockReserved': {
      const { reservationId, orderId, quantity, expiresAt, reservedAt } = event.data;
      if (
        lookup(state.reservations, reservationId) !== undefined ||
        lookup(state.settled, reservationId) !== undefined
      )
        return fail(event, `reuses reservation id ${reservationId}`);
      if (quantity <= 0) return fail(event, 'of nothing');
      const reservation: Reservation = { orderId, quantity, expiresAt, reservedAt };
      return checkLevel(event, {
        ...state,
        reserved: state.reserved + quantity,
        reservations: setIn(state.reservations, reservationId, reservation),
        expiries: addExpiry(state.expiries, expiryKey(reservationId, reservation)),
      });
    }
    case 'ReservationReleased':
      return settle(
        state,
        event.data.reservationId,
        liveReservation(state, event),
        'released',
        event.data.releasedAt,
      );
    case 'ReservationExpired':
      return settle(
        state,
        event.data.reservationId,
        liveReservation(state, event),
        'expired',
        event.data.expiredAt,
      );
    case 'ReservationCommitted': {
      const reservation = liveReservation(state, event);
      if (event.data.onHand !== state.onHand - reservation.quantity) return fail(event, 'does not add up');
      const settled = settle(
        state,
        event.data.reservationId,
        reservation,
        'committed',
        event.data.committedAt,
      );
      return checkLevel(event, { ...settled, onHand: event.data.onHand });
    }
    default:
      return assertNever(event, 'inventory event');
  }
};

/**
 * The state as plain records, for people (audit output): the persistent maps
 * and the expiry index are fast to update but unreadable as JSON.
 */
export const readableState = (state: InventoryState): unknown => ({
  sku: state.sku,
  onHand: state.onHand,
  reserved: state.reserved,
  reservations: toRecord(state.reservations),
  settled: toRecord(state.settled),
  receipts: toRecord(state.receipts),
  adjustments: toRecord(state.adjustments),
});

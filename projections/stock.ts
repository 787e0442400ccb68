import type { InventoryEvent } from '../domain/inventory/events.ts';
import { assertNever } from '../domain/shared/index.ts';
import { ProjectionError } from './projection.ts';

/** On hand and reserved for one SKU, as both the catalog and the inventory projections keep them. */
export type StockLevel = { on_hand: number; reserved: number; open_reservations: number };

export const emptyStock = (): StockLevel => ({ on_hand: 0, reserved: 0, open_reservations: 0 });

/** The instant an inventory event carries. */
export const inventoryEventTime = (event: InventoryEvent): string => {
  switch (event.type) {
    case 'StockReceived':
      return event.data.receivedAt;
    case 'StockAdjusted':
      return event.data.adjustedAt;
    case 'StockReserved':
      return event.data.reservedAt;
    case 'ReservationReleased':
      return event.data.releasedAt;
    case 'ReservationExpired':
      return event.data.expiredAt;
    case 'ReservationCommitted':
      return event.data.committedAt;
    default:
      return assertNever(event, 'inventory event');
  }
};

const closeReservation = (level: StockLevel, sku: string, quantity: number): void => {
  if (level.reserved < quantity || level.open_reservations < 1)
    throw new ProjectionError(`${sku}: closing a reservation of ${quantity} with ${level.reserved} reserved`);
  level.reserved -= quantity;
  level.open_reservations -= 1;
};

/** Events carry `onHand` after the change, so the level never drifts from the aggregate. */
export const foldStock = (level: StockLevel, event: InventoryEvent): void => {
  switch (event.type) {
    case 'StockReceived':
    case 'StockAdjusted':
      level.on_hand = event.data.onHand;
      return;
    case 'StockReserved':
      level.reserved += event.data.quantity;
      level.open_reservations += 1;
      return;
    case 'ReservationReleased':
    case 'ReservationExpired':
      closeReservation(level, event.data.sku, event.data.quantity);
      return;
    case 'ReservationCommitted':
      closeReservation(level, event.data.sku, event.data.quantity);
      level.on_hand = event.data.onHand;
      return;
    default:
      assertNever(event, 'inventory event');
  }
};

export const INVENTORY_EVENT_TYPES: readonly InventoryEvent['type'][] = [
  'StockReceived',
  'StockAdjusted',
  'StockReserved',
  'ReservationReleased',
  'ReservationExpired',
  'ReservationCommitted',
];

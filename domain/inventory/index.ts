import type { Decider } from '../shared/index.ts';
import type { InventoryCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { InventoryErrorCode } from './decide.ts';
import type { InventoryEvent } from './events.ts';
import { evolve, initialState } from './state.ts';
import type { InventoryState } from './state.ts';

export const category = 'inventory';
export const streamId = (sku: string): `${typeof category}-${string}` => `${category}-${sku}`;

export const inventoryDecider: Decider<InventoryCommand, InventoryEvent, InventoryState, InventoryErrorCode> =
  { decide, evolve, initialState };

export type * from './commands.ts';
export type * from './events.ts';
export { decide, INVENTORY_ERROR_CODES } from './decide.ts';
export type { InventoryErrorCode } from './decide.ts';
export { available, evolve, initialState, isExpired, readableState, unexpiredReserved } from './state.ts';
export type {
  InventoryState,
  Reservation,
  ReservationOutcome,
  SettledReservation,
  StockAdjustment,
} from './state.ts';

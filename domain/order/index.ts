import type { Decider } from '../shared/index.ts';
import type { OrderCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { OrderErrorCode } from './decide.ts';
import type { OrderEvent } from './events.ts';
import { evolve, initialState } from './state.ts';
import type { OrderState } from './state.ts';

export const category = 'order';
export const streamId = (orderId: string): `${typeof category}-${string}` => `${category}-${orderId}`;

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState, OrderErrorCode> = {
  decide,
  evolve,
  initialState,
};

export * from './commands.ts';
export * from './events.ts';
export { decide, MAX_WINDOW_MILLIS, ORDER_ERROR_CODES, priceOrder } from './decide.ts';
export type { OrderErrorCode } from './decide.ts';
export { evolve, initialState, reservationsBySku } from './state.ts';
export type { OrderDetails, OrderState, OrderStatus, Payment, RefundProgress, Shipment } from './state.ts';

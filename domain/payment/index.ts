import type { Decider } from '../shared/index.ts';
import type { PaymentCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { PaymentErrorCode } from './decide.ts';
import type { PaymentEvent } from './events.ts';
import { evolve, initialState } from './state.ts';
import type { PaymentState } from './state.ts';

export const category = 'payment';
export const streamId = (paymentId: string): `${typeof category}-${string}` => `${category}-${paymentId}`;

export const paymentDecider: Decider<PaymentCommand, PaymentEvent, PaymentState, PaymentErrorCode> = {
  decide,
  evolve,
  initialState,
};

export type * from './commands.ts';
export type * from './events.ts';
export { decide, PAYMENT_ERROR_CODES } from './decide.ts';
export type { PaymentErrorCode } from './decide.ts';
export { amounts, evolve, initialState } from './state.ts';
export type { Payment, PaymentAmounts, PaymentState, PaymentStatus, Refund, RefundStatus } from './state.ts';

import type { Decider } from '../shared/index.ts';
import type { SellerAccountCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { SellerAccountErrorCode } from './decide.ts';
import type { SellerAccountEvent } from './events.ts';
import { evolve, initialState } from './state.ts';
import type { SellerAccountState } from './state.ts';

export const category = 'seller';
export const streamId = (sellerId: string): `${typeof category}-${string}` => `${category}-${sellerId}`;

export const sellerAccountDecider: Decider<
  SellerAccountCommand,
  SellerAccountEvent,
  SellerAccountState,
  SellerAccountErrorCode
> = { decide, evolve, initialState };

export * from './commands.ts';
export * from './events.ts';
export * from './ledger.ts';
export * from './postings.ts';
export { decide, SELLER_ACCOUNT_ERROR_CODES } from './decide.ts';
export type { SellerAccountErrorCode } from './decide.ts';
export { balances, escrowBalance, escrowRemaining, evolve, initialState } from './state.ts';
export type { ActiveAccount, OrderEscrow, Payout, SellerAccountState } from './state.ts';

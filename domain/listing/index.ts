import type { Decider } from '../shared/index.ts';
import type { ListingCommand } from './commands.ts';
import { decide } from './decide.ts';
import type { ListingErrorCode } from './decide.ts';
import type { ListingEvent } from './events.ts';
import { evolve, initialState } from './state.ts';
import type { ListingState } from './state.ts';

export type * from './commands.ts';
export type * from './events.ts';
export type { Listing, ListingState, ListingStatus } from './state.ts';
export type { ListingErrorCode } from './decide.ts';
export {
  assertPurchasable,
  canBePurchased,
  decide,
  LISTING_ERROR_CODES,
  MAX_TITLE_LENGTH,
  purchaseLine,
} from './decide.ts';
export type { PurchaseLine } from './decide.ts';
export { evolve, initialState } from './state.ts';

export const category = 'listing';

export const streamId = (listingId: string): string => `${category}-${listingId}`;

export const listingDecider: Decider<ListingCommand, ListingEvent, ListingState, ListingErrorCode> = {
  decide,
  evolve,
  initialState,
};

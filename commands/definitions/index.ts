import type { CommandDefinition } from '../definition.ts';
import { listingCommands } from './listing.ts';
import { orderCommands } from './order.ts';
import { sellerAccountCommands } from './seller-account.ts';

export { listingCommands, orderCommands, sellerAccountCommands };

/** Every command the gateway serves, grouped by aggregate in the order the docs list them. */
export const allCommands: readonly CommandDefinition[] = [
  ...listingCommands,
  ...orderCommands,
  ...sellerAccountCommands,
];

import type { CommandDefinition } from '../definition.ts';
import { inventoryCommands } from './inventory.ts';
import { listingCommands } from './listing.ts';
import { orderCommands } from './order.ts';
import { paymentCommands } from './payment.ts';
import { sellerAccountCommands } from './seller-account.ts';

export { inventoryCommands, listingCommands, orderCommands, paymentCommands, sellerAccountCommands };

/** Every command the gateway serves, grouped by aggregate in the order the docs list them. */
export const allCommands: readonly CommandDefinition[] = [
  ...listingCommands,
  ...inventoryCommands,
  ...orderCommands,
  ...paymentCommands,
  ...sellerAccountCommands,
];

import type { Decider } from './shared/index.ts';
import {
  category as inventoryCategory,
  inventoryDecider,
  readableState as readableInventory,
} from './inventory/index.ts';
import { category as listingCategory, listingDecider } from './listing/index.ts';
import { category as orderCategory, orderDecider } from './order/index.ts';
import { category as paymentCategory, paymentDecider } from './payment/index.ts';
import { category as sellerCategory, sellerAccountDecider } from './seller-account/index.ts';

type AnyDecider = Decider<never, never, unknown>;

/**
 * Every aggregate by its stream category (`<category>-<id>`): what auditors
 * fold for as-of state and what tests iterate over. A new aggregate adds a line.
 */
export const aggregates: Readonly<Record<string, AnyDecider>> = {
  [listingCategory]: listingDecider as unknown as AnyDecider,
  [orderCategory]: orderDecider as unknown as AnyDecider,
  [inventoryCategory]: inventoryDecider as unknown as AnyDecider,
  [paymentCategory]: paymentDecider as unknown as AnyDecider,
  [sellerCategory]: sellerAccountDecider as unknown as AnyDecider,
};

/**
 * A state as people read it (audit output). Most states are plain data
 * already; an aggregate whose state uses faster structures says how.
 */
export const readableState = (category: string, state: unknown): unknown => {
  if (category === inventoryCategory)
    return readableInventory(state as Parameters<typeof readableInventory>[0]);
  return state;
};

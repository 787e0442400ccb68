import { balancesSchema } from '../balances/tables.ts';
import { catalogSchema } from '../catalog/tables.ts';
import { inventorySchema } from '../inventory/tables.ts';
import { ordersSchema } from '../orders/tables.ts';
import type { ProjectionSchema } from './tables.ts';

/** Every projection's tables and views, by projection name. */
export const projectionSchemas = {
  catalog: catalogSchema,
  inventory: inventorySchema,
  orders: ordersSchema,
  balances: balancesSchema,
} as const satisfies Record<string, ProjectionSchema>;

export type ProjectionName = keyof typeof projectionSchemas;

export const projectionNames = Object.keys(projectionSchemas) as readonly ProjectionName[];

export const isProjectionName = (name: string): name is ProjectionName =>
  Object.hasOwn(projectionSchemas, name);

import { balancesProjection } from './balances/projection.ts';
import { catalogProjection } from './catalog/projection.ts';
import { inventoryProjection } from './inventory/projection.ts';
import { ordersProjection } from './orders/projection.ts';
import type { Projection } from './projection.ts';
import type { ProjectionName } from './read-models/projections.ts';

/** Every projection, in the order a worker applies them within a batch. */
export const allProjections: readonly Projection[] = [
  catalogProjection,
  inventoryProjection,
  ordersProjection,
  balancesProjection,
];

export const projectionByName = (name: ProjectionName): Projection => {
  const projection = allProjections.find((p) => p.name === name);
  if (projection === undefined) throw new Error(`no projection ${name}`);
  return projection;
};

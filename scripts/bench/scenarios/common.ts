import { openPostgresEventStore } from '../../../infra/event-store/postgres/open.ts';
import type { PostgresEventStore } from '../../../infra/event-store/postgres/postgres-event-store.ts';
import type pg from 'pg';
import { warmPool } from '../database.ts';
import type { RunOptions } from '../types.ts';

/** Seconds of unmeasured load before each measured phase: a fifth of it, at most 2 s. */
export const warmupFor = (durationS: number): number => Math.min(2, durationS / 5);

/** The store on a pool of `poolSize` warm connections, migrated into the run's schema. */
export const openStore = async (
  options: RunOptions,
  poolSize: number,
): Promise<{ store: PostgresEventStore; pool: pg.Pool }> => {
  const pool = options.createPool(poolSize, 'store');
  const store = await openPostgresEventStore({ pool, schema: options.schema });
  await warmPool(pool, poolSize);
  return { store, pool };
};

import { openPostgresEventStore } from '../../../infra/event-store/postgres/open.ts';
import { DEFAULT_GROUP_COMMIT } from '../../../infra/event-store/postgres/postgres-event-store.ts';
import type { PostgresEventStore } from '../../../infra/event-store/postgres/postgres-event-store.ts';
import type pg from 'pg';
import { intOption } from '../args.ts';
import { warmPool } from '../database.ts';
import type { OptionSpec, RunOptions } from '../types.ts';

/** Seconds of unmeasured load before each measured phase: a fifth of it, at most 2 s. */
export const warmupFor = (durationS: number): number => Math.min(2, durationS / 5);

/** The store's group commit, as a scenario option: `--group-writers 0` gives each append its own transaction. */
export const groupCommitOption: Readonly<Record<string, OptionSpec>> = {
  'group-writers': {
    type: 'string',
    description: 'group-commit transactions in flight (0: one transaction per append)',
    default: String(DEFAULT_GROUP_COMMIT.writers),
  },
};

/** The store on a pool of `poolSize` warm connections, migrated into the run's schema. */
export const openStore = async (
  options: RunOptions,
  poolSize: number,
): Promise<{ store: PostgresEventStore; pool: pg.Pool; groupWriters: number }> => {
  const raw = options.values['group-writers'];
  const groupWriters =
    raw === '0' ? 0 : intOption(options.values, 'group-writers', DEFAULT_GROUP_COMMIT.writers);
  const pool = options.createPool(poolSize, 'store');
  const store = await openPostgresEventStore({
    pool,
    schema: options.schema,
    groupCommit: groupWriters === 0 ? false : { writers: groupWriters },
  });
  await warmPool(pool, poolSize);
  return { store, pool, groupWriters };
};

import { openPostgresEventStore } from '../../../infra/event-store/postgres/open.ts';
import { DEFAULT_GROUP_COMMIT } from '../../../infra/event-store/postgres/postgres-event-store.ts';
import type { PostgresEventStore } from '../../../infra/event-store/postgres/postgres-event-store.ts';
import type pg from 'pg';
import { intOption } from '../args.ts';
import { warmPool } from '../database.ts';
import { Expected } from '../../../infra/event-store/port.ts';
import { benchEvents, newStreamId, runTag } from '../events.ts';
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

/** Appenders seeding a log: enough to keep the group-commit writers busy. */
export const SEED_WORKERS = 4;

/**
 * Seeds `total` events through the store's own appends (real hash chains), `seedBatch` per append
 * to a new stream, from `SEED_WORKERS` appenders, then vacuums and analyzes the log so the reads
 * measured next are planned on its real size. Logs progress under `label`; returns the seconds
 * the appends took.
 */
export const seedLog = async (
  options: RunOptions,
  store: PostgresEventStore,
  pool: pg.Pool,
  seed: Readonly<{ label: string; total: number; seedBatch: number }>,
): Promise<number> => {
  const { label, total, seedBatch } = seed;
  options.log(`${label}: seeding ${total} events, ${seedBatch} per append, ${SEED_WORKERS} writers`);
  const tag = runTag();
  const started = process.hrtime.bigint();
  const appends = Math.ceil(total / seedBatch);
  let next = 0;
  let seeded = 0;
  await Promise.all(
    Array.from({ length: SEED_WORKERS }, async (_, worker) => {
      for (let seq = next++; seq < appends && !options.signal.aborted; seq = next++) {
        const count = Math.min(seedBatch, total - seq * seedBatch);
        const outcome = await store.append(newStreamId(tag, worker, seq), benchEvents(worker, seq, count), {
          expectedRevision: Expected.noStream,
        });
        if (!outcome.ok) throw new Error(`unexpected conflict on ${outcome.conflict.streamId}`);
        seeded += count;
        if (seq % 100 === 0) options.log(`${label}: seeded ${seeded}`);
      }
    }),
  );
  options.signal.throwIfAborted();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  options.log(`${label}: seeded in ${seconds.toFixed(1)} s; vacuum analyze`);
  await pool.query(`vacuum analyze "${options.schema}".events`);
  return seconds;
};

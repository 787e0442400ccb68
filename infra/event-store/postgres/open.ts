import type pg from 'pg';
import { createKysely } from '../../postgres/database.ts';
import { migrate } from '../../postgres/migrate.ts';
import { eventStoreMigrations } from './migrations/index.ts';
import { PostgresEventStore } from './postgres-event-store.ts';
import type { PostgresEventStoreOptions } from './postgres-event-store.ts';

/** Migrates the store's schema (idempotent, safe from several processes) and opens the store. */
export const openPostgresEventStore = async (
  options: PostgresEventStoreOptions,
): Promise<PostgresEventStore> => {
  await migrateEventStore(options.pool, options.schema);
  return new PostgresEventStore(options);
};

export const migrateEventStore = async (pool: pg.Pool, schema: string): Promise<readonly string[]> => {
  // Not destroyed: destroying this Kysely instance would end the caller's pool.
  const db = createKysely<unknown>(pool);
  return migrate(db, eventStoreMigrations(schema));
};

import { sql } from 'kysely';
import { dropViews } from '../read-models/tables.ts';
import type { ProjectionSchema } from '../read-models/tables.ts';

/** Stock levels per SKU: on hand, reserved (open reservations) and available. */
export const inventorySchema: ProjectionSchema = {
  tables: ['levels'],
  views: ['inventory_levels'],
  createTables: async (db, t) => {
    await sql`
      create table ${t.table('levels')} (
        sku                text primary key,
        on_hand            integer not null,
        reserved           integer not null,
        open_reservations  integer not null,
        updated_at         timestamptz not null,
        revision           integer not null
      )`.execute(db);
  },
  createIndexes: () => Promise.resolve(),
  createViews: async (db, t) => {
    await dropViews(db, t, ['inventory_levels']);
    await sql`
      create view ${t.view('inventory_levels')} as
      select sku, on_hand, reserved, on_hand - reserved as available, open_reservations, updated_at, revision
        from ${t.table('levels')}`.execute(db);
  },
};

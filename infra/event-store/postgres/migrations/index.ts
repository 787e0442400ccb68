import type { MigrationSet } from '../../../postgres/migrate.ts';
import { eventsMigration } from './2026-11-23T0900-events.ts';
import { appendByEventIdIndexMigration } from './2026-11-23T1150-append-by-event-id-index.ts';
import { appendGroupMigration } from './2026-11-23T1200-append-group.ts';
import { appendBatchMigration } from './2026-11-23T1400-append-batch.ts';
import { appendArraysMigration } from './2026-11-23T1600-append-arrays.ts';
import { appendColumnsMigration } from './2026-11-23T1800-append-columns.ts';

/** The event store's migrations, in the schema it is configured for. */
export const eventStoreMigrations = (schema: string): MigrationSet => ({
  name: 'event_store',
  schema,
  migrations: {
    '2026-11-23T0900-events': eventsMigration(schema),
    '2026-11-23T1150-append-by-event-id-index': appendByEventIdIndexMigration(schema),
    '2026-11-23T1200-append-group': appendGroupMigration(schema),
    '2026-11-23T1400-append-batch': appendBatchMigration(schema),
    '2026-11-23T1600-append-arrays': appendArraysMigration(schema),
    '2026-11-23T1800-append-columns': appendColumnsMigration(schema),
  },
});

import type { MigrationSet } from '../../../infra/postgres/migrate.ts';
import { projectionStatusMigration } from './2026-11-23T1045-projection-status.ts';

/**
 * The read models' control migrations. The read-model tables themselves are
 * versioned per projection (`<projection>_v<N>_<table>`) and created by the
 * projection's own DDL when a version is installed or rebuilt; see
 * `../install.ts` and docs/projections.md.
 */
export const readModelMigrations = (schema: string): MigrationSet => ({
  name: 'read_models',
  schema,
  migrations: {
    '2026-11-23T1045-projection-status': projectionStatusMigration(schema),
  },
});

import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { createKysely } from '../../infra/postgres/database.ts';
import { migrate } from '../../infra/postgres/migrate.ts';
import { readModelMigrations } from './migrations/index.ts';
import { projectionSchemas } from './projections.ts';
import type { ProjectionName } from './projections.ts';
import { versionTables } from './tables.ts';

// Serializes installers across processes (any constant, the same everywhere).
const INSTALL_LOCK_KEY = 0x726d696e;

/**
 * Creates the read-model schema: the control migrations, then version 1 of
 * every projection that has none yet (tables, indexes, stable views, status
 * row at position 0). Idempotent and safe from several processes at once.
 * Returns the names of the migrations and projections it installed.
 */
export const migrateReadModels = async (pool: pg.Pool, schema: string): Promise<readonly string[]> => {
  // Not destroyed: that would end the caller's pool.
  const db = createKysely<unknown>(pool);
  const migrated = await migrate(db, readModelMigrations(schema));
  const installed = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${INSTALL_LOCK_KEY})`.execute(trx);
    const done: string[] = [];
    for (const name of Object.keys(projectionSchemas) as ProjectionName[]) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from ${sql.table(`${schema}.projection_status`)} where name = ${name}`.execute(
        trx,
      );
      if ((rows[0]?.n ?? 0) > 0) continue;
      await installVersion(trx, schema, name, 1, { active: true });
      done.push(`${name} v1`);
    }
    return done;
  });
  return [...migrated, ...installed];
};

/**
 * Creates one version's tables (and, for an active version, its indexes and
 * the views) and its status row, at position 0.
 */
export const installVersion = async (
  db: Kysely<unknown>,
  schema: string,
  name: ProjectionName,
  version: number,
  options: Readonly<{ active: boolean }>,
): Promise<void> => {
  const definition = projectionSchemas[name];
  const t = versionTables(schema, name, version);
  await definition.createTables(db, t);
  if (options.active) {
    await definition.createIndexes(db, t);
    await definition.createViews(db, t);
  }
  await sql`
    insert into ${sql.table(`${schema}.projection_status`)} (name, version, active, state)
    values (${name}, ${version}, ${options.active}, ${options.active ? 'running' : 'rebuilding'})`.execute(
    db,
  );
};

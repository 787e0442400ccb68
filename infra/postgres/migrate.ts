import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A set of versioned migrations that lives in one Postgres schema, with its
 * own migration table there, so the event store and the read models can share
 * a database (or not) and migrate independently.
 */
export type MigrationSet = Readonly<{
  /** Names this set's migration table, so several sets can share a schema. */
  name: string;
  schema: string;
  migrations: Readonly<Record<string, Migration>>;
}>;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

// Any constant works; it only has to be the same for every process migrating.
const MIGRATION_LOCK_KEY = 0x636f6d6d;

/**
 * Applies the set's pending migrations in name order, each in its own
 * transaction together with its row in the migration table.
 *
 * Not kysely's Migrator: it checks for its tables by introspecting every
 * schema of the database, which fails whenever another client drops a schema
 * at that moment (parallel test runs, tenants sharing a cluster). This runner
 * only ever looks at its own table. The table layout (`name`, `timestamp`) is
 * the one kysely's Migrator uses, so existing databases carry on.
 */
export const migrate = async (db: Kysely<unknown>, set: MigrationSet): Promise<readonly string[]> =>
  db.connection().execute(async (conn) => {
    const table = sql.table(`${set.schema}.${set.name}_migration`);
    // Two processes starting together must not both create the schema or apply a migration.
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`create schema if not exists ${sql.id(set.schema)}`.execute(conn);
      await sql`create table if not exists ${table} (
        name varchar(255) primary key,
        timestamp varchar(255) not null
      )`.execute(conn);
      const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(conn);
      const applied = new Set(rows.map((row) => row.name));
      const pending = Object.keys(set.migrations)
        .sort()
        .filter((name) => !applied.has(name));
      for (const name of pending) {
        const migration = set.migrations[name];
        if (migration === undefined) continue;
        await sql`begin`.execute(conn);
        try {
          await migration.up(conn);
          await sql`insert into ${table} (name, timestamp) values (${name}, ${new Date().toISOString()})`.execute(
            conn,
          );
          await sql`commit`.execute(conn);
        } catch (error) {
          await sql`rollback`.execute(conn);
          throw new MigrationError(
            `migrating schema ${set.schema}: ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
      }
      return pending;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });

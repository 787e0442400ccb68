import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
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

export const migrate = async (db: Kysely<unknown>, set: MigrationSet): Promise<readonly string[]> =>
  db.connection().execute(async (conn) => {
    // Two processes starting together must not both create the schema.
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`create schema if not exists ${sql.id(set.schema)}`.execute(conn);
      const migrator = new Migrator({
        db: conn,
        provider: { getMigrations: () => Promise.resolve(set.migrations) },
        migrationTableSchema: set.schema,
        migrationTableName: `${set.name}_migration`,
        migrationLockTableName: `${set.name}_migration_lock`,
      });
      let { error, results } = await migrator.migrateToLatest();
      // Kysely checks for its tables by introspecting every schema; another client dropping
      // one meanwhile (parallel tests) fails that check with 3F000. Nothing ran: try again.
      for (let attempt = 1; attempt < 5 && isSchemaDroppedMeanwhile(error, set.schema); attempt++)
        ({ error, results } = await migrator.migrateToLatest());
      if (error !== undefined) {
        throw new MigrationError(
          `migrating schema ${set.schema} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
          { cause: error },
        );
      }
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });

// 3F000: a schema vanished; 42P01: a table of another schema did (its schema was being dropped).
const isSchemaDroppedMeanwhile = (error: unknown, ownSchema: string): boolean => {
  const cause = error as { code?: unknown; message?: unknown } | undefined;
  return (
    (cause?.code === '3F000' || cause?.code === '42P01') &&
    typeof cause.message === 'string' &&
    !cause.message.includes(`"${ownSchema}"`) &&
    !cause.message.includes(`"${ownSchema}.`)
  );
};

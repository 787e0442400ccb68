import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { MigrationSet } from '../postgres/migrate.ts';

/** Signed checkpoints of the global log. Frozen in time: later changes are new migrations. */
const checkpointsMigration = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    await sql`
      create table ${sql.id(schema)}.audit_checkpoints (
        id            bigint generated always as identity primary key,
        commit        bigint not null,
        prepare       bigint not null,
        event_count   bigint not null,
        digest        text not null,
        created_at    timestamptz not null,
        key_id        text not null,
        public_key    text not null,
        signature     text not null
      )`.execute(db);
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop table ${sql.id(schema)}.audit_checkpoints`.execute(db);
  },
});

/** Lives next to the log it certifies, with its own migration table. */
export const auditMigrations = (schema: string): MigrationSet => ({
  name: 'audit',
  schema,
  migrations: { '2026-11-23T1100-audit-checkpoints': checkpointsMigration(schema) },
});

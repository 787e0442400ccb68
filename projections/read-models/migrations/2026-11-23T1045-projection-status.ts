import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The control table every projection runner and the read API share. Frozen in
 * time: later changes are new migrations.
 *
 * One row per (projection, version). `active` marks the version readers see
 * through the stable views; a version being rebuilt next to it has its own row
 * (state `rebuilding`) until it is switched in. The checkpoint is written in
 * the same transaction as the read-model changes it covers.
 */
export const projectionStatusMigration = (schema: string): Migration => ({
  up: async (db: Kysely<unknown>) => {
    const s = sql.id(schema);
    // Substring search in listing titles (`ILIKE '%…%'`) uses a trigram index.
    // The extension is database-wide; the migration lock serializes creators.
    await sql`create extension if not exists pg_trgm`.execute(db);
    await sql`
      create table ${s}.projection_status (
        name                 text not null,
        version              integer not null,
        active               boolean not null default false,
        state                text not null,
        checkpoint_commit    bigint not null default 0,
        checkpoint_prepare   bigint not null default 0,
        events_applied       bigint not null default 0,
        lag_events           bigint not null default 0,
        lag_seconds          double precision not null default 0,
        last_error           text,
        failed_event_id      uuid,
        failed_event_commit  bigint,
        failed_event_prepare bigint,
        failed_event_type    text,
        failed_at            timestamptz,
        owner                text,
        created_at           timestamptz not null default now(),
        updated_at           timestamptz not null default now(),
        constraint projection_status_pkey primary key (name, version),
        constraint projection_status_state_check check (state in ('running', 'halted', 'rebuilding')),
        constraint projection_status_version_check check (version >= 1)
      )`.execute(db);
    // Every event an operator told a projection to skip: a skip is never silent.
    await sql`
      create table ${s}.projection_skips (
        name             text not null,
        version          integer not null,
        event_id         uuid not null,
        event_commit     bigint not null,
        event_prepare    bigint not null,
        event_type       text not null,
        error            text not null,
        skipped_by       text not null,
        skipped_at       timestamptz not null default now(),
        constraint projection_skips_pkey primary key (name, version, event_id)
      )`.execute(db);
    await sql`create unique index projection_status_active_idx on ${s}.projection_status (name) where active`.execute(
      db,
    );
  },
  down: async (db: Kysely<unknown>) => {
    await sql`drop table ${sql.id(schema)}.projection_skips`.execute(db);
    await sql`drop table ${sql.id(schema)}.projection_status`.execute(db);
  },
});
